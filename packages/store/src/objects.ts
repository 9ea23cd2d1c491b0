import { DTYPE_BYTES } from '@reef/core/tensor';
import { ReefError } from '@reef/core/errors';
import type { PortableData, Tensor } from '@reef/core';
import type { DeltaTypeSource } from './delta-type-source.js';
import { returnScratch } from '@reef/codecs';
import { unpackPlanes } from '@reef/codecs/node';
import type { H5File } from '@reef/hdf5';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, type LaterFile } from './fsutil.js';
import { CENTROID_KIND, centroidHash } from './cluster-centroid.js';
import { readCodebook, withCodebook, type CodebookInfo, type StoredCodebook } from './codebooks.js';
import { hdf5, loadHdf5, messageOf } from './h5-lazy.js';
import type { LatestTensors } from './latest-tensors.js';
import { tensorHash } from './hash.js';
import { readWholePlanes, type EncodedObject, type ObjectInfo } from './object-format.js';
import { fromInline, type InlineObject } from './inline-objects.js';
import { readManifest, type ReadManifest } from './pack-manifest.js';
import { PackWriter, type PublishedPack } from './pack-writer.js';
import { ZERO_REFERENCE, zeroTensor } from './zero-reference.js';

export type { EncodedObject, ObjectInfo } from './object-format.js';

/** Most recently decoded tensors kept for delta chains (bytes). */
const CACHE_BYTES = 256 * 1024 * 1024;

/** How errors name an object: in its pack's HDF5 file, or inline in the pack's manifest. */
function whereIs(pack: string, hash: string, inline: boolean): string {
  return `${inline ? `pack manifest ${pack}.json` : `pack ${pack}`}, object ${hash.slice(0, 12)}`;
}

/**
 * Immutable pack files: each `add` writes one HDF5 file (tensors under /weights, deltas under
 * /deltas; none when every object is small enough to go inline, inline-objects.ts) and then a JSON
 * manifest listing its objects (pack-manifest.ts). The pack is written under a temporary
 * name and renamed, then the manifest likewise; an object exists only once its manifest does, so a
 * process killed at any point leaves at worst an unlisted file that `gc` removes.
 */
export class ObjectStore {
  /** `inline`: kept in its pack's manifest, read from there when needed (not held: see inlineOf). */
  private readonly objects = new Map<string, { info: ObjectInfo; pack: string; inline: boolean }>();
  /**
   * The inline objects of the few manifests read last (or just written), by pack. Only these are
   * held: a repository of many commits lists ~1 kB of base64 per small object, which the object
   * list would otherwise keep for as long as the store is open. Manifests never change once written.
   */
  private readonly inlineByPack = new Map<string, ReadonlyMap<string, InlineObject>>();
  /** Objects each manifest lists, superseded copies included (gc rewrites packs holding those). */
  private readonly listed = new Map<string, number>();
  private readonly books = new Map<string, { info: CodebookInfo; pack: string }>();
  private readonly bookCache = new Map<string, StoredCodebook>();
  private readonly open = new Map<string, H5File>();
  /**
   * Decoded or just-added tensors. `owned`: no caller has been handed it (by `get`), so when it is
   * dropped its memory goes back to scratch for the next reads; a tensor `get` returned belongs to
   * its callers as well and is only ever garbage-collected.
   */
  private readonly cache = new Map<string, { tensor: Tensor; owned: boolean }>();
  private cachedBytes = 0;

  constructor(
    readonly dir: string,
    private readonly registry: DeltaTypeSource,
    /** Bytes of decoded tensors kept in memory (0: none, for adds that must stay small). */
    private readonly cacheBytes = CACHE_BYTES,
    /** Raw copies of recently added tensors (latest-tensors.ts), read instead of decoding a chain when their hash matches. */
    private readonly latest?: LatestTensors,
  ) {
    mkdirSync(dir, { recursive: true });
    this.reload();
  }

  reload(): void {
    this.objects.clear();
    this.listed.clear();
    this.books.clear();
    this.inlineByPack.clear();
    // Pack names start with a base-36 time, so sorted manifests come in writing order and the newest
    // copy of an object wins: `cluster apply` re-encodes objects by writing a newer pack (one atomic
    // manifest rename switches them); gc copies are identical, so for them the order is moot.
    for (const file of readdirSync(this.dir).sort()) {
      if (!file.endsWith('.json') || file.includes('.tmp-')) continue;
      this.list(readManifest(readJson<unknown>(join(this.dir, file), `pack manifest ${file}`), file));
    }
  }

  private list(manifest: ReadManifest): void {
    for (const info of manifest.objects) this.objects.set(info.hash, { info, pack: manifest.pack, inline: manifest.inline.has(info.hash) });
    this.listed.set(manifest.pack, manifest.objects.length);
    for (const info of manifest.codebooks) this.books.set(info.hash, { info, pack: manifest.pack });
  }

  /** How many objects a pack's manifest lists, including copies a newer pack supersedes. */
  listedCount(pack: string): number {
    return this.listed.get(pack) ?? 0;
  }

  has(hash: string): boolean {
    return this.objects.has(hash);
  }

  info(hash: string): ObjectInfo | undefined {
    return this.objects.get(hash)?.info;
  }

  all(): ObjectInfo[] {
    return [...this.objects.values()].map((o) => o.info);
  }

  /** Stored codebooks with the pack holding each. */
  codebooks(): { info: CodebookInfo; pack: string }[] {
    return [...this.books.values()];
  }

  hasCodebook(hash: string): boolean {
    return this.books.has(hash);
  }

  /** Reads a codebook (checked against its hash); a clear error when the repository lacks it. */
  async readCodebook(hash: string, needer?: string): Promise<StoredCodebook> {
    const cached = this.bookCache.get(hash);
    if (cached) return cached;
    const entry = this.books.get(hash);
    if (!entry) {
      throw new ReefError('REPOSITORY', `${needer ? `${needer} needs ` : ''}PQ codebook ${hash.slice(0, 12)}, which is missing from the repository (damaged; run reef fsck)`);
    }
    const book = { info: entry.info, data: readCodebook(await this.file(entry.pack), entry.info, entry.pack) };
    this.bookCache.set(hash, book);
    return book;
  }

  packOf(hash: string): string | undefined {
    return this.objects.get(hash)?.pack;
  }

  /** Pack names with a manifest, and every file in the folder (for gc and fsck). */
  listFiles(): { packs: string[]; files: string[] } {
    const files = readdirSync(this.dir);
    const packs = files.filter((f) => f.endsWith('.json') && !f.includes('.tmp-')).map((f) => f.slice(0, -5));
    return { packs, files };
  }

  /** A new pack to stream objects into; `publish` makes its objects part of the store. */
  beginPack(onProgress?: (stage: string) => void, options: { thread?: boolean } = {}): PackWriter {
    return new PackWriter(this.dir, onProgress, options);
  }

  /** Finishes a pack (flush, rename, manifest) and lists its objects; undefined when it holds nothing. */
  async publish(writer: PackWriter, onProgress?: (stage: string) => void): Promise<string | undefined> {
    return this.listPublished(await writer.finish(onProgress));
  }

  /**
   * `publish`, then `later` files renamed into place after the manifest, all flushed together first
   * (PackWriter.finishWith); undefined, and nothing written, when the pack holds nothing.
   */
  async publishWith(writer: PackWriter, later: readonly LaterFile[], onProgress?: (stage: string) => void): Promise<string | undefined> {
    return this.listPublished(await writer.finishWith(later, onProgress));
  }

  private listPublished(done: PublishedPack | undefined): string | undefined {
    if (!done) return undefined;
    this.list(done.manifest);
    if (done.manifest.inline.size > 0) this.keepInline(done.name, done.manifest.inline);
    return done.name;
  }

  /** Inline objects of manifests kept in memory (a commit's next add reads its parent's small tensors). */
  private static readonly INLINE_PACKS_KEPT = 4;

  private keepInline(pack: string, inline: ReadonlyMap<string, InlineObject>): void {
    this.inlineByPack.delete(pack);
    this.inlineByPack.set(pack, inline);
    for (const oldest of this.inlineByPack.keys()) {
      if (this.inlineByPack.size <= ObjectStore.INLINE_PACKS_KEPT) break;
      this.inlineByPack.delete(oldest);
    }
  }

  /** An inline object, from the kept manifests or its manifest read again. */
  private inlineOf(pack: string, hash: string, where: string): InlineObject {
    let inline = this.inlineByPack.get(pack);
    if (!inline) {
      const file = `${pack}.json`;
      inline = readManifest(readJson<unknown>(join(this.dir, file), `pack manifest ${file}`), file).inline;
      this.keepInline(pack, inline);
    }
    const found = inline.get(hash);
    if (!found) throw new ReefError('REPOSITORY', `${where}: its manifest no longer holds it (run reef fsck)`);
    return found;
  }

  /** Whether the object is kept in its manifest (format 2) rather than in its pack's HDF5 file. */
  isInline(hash: string): boolean {
    return this.objects.get(hash)?.inline === true;
  }

  /** Writes objects as a new pack; returns its name, or undefined when there is nothing new. */
  async writePack(
    objects: readonly EncodedObject[],
    onProgress?: (stage: string) => void,
    rewrite = false,
    codebooks: readonly StoredCodebook[] = [],
  ): Promise<string | undefined> {
    // `rewrite` (gc) copies objects and codebooks that exist in a pack about to be retired.
    const fresh = rewrite ? [...objects] : objects.filter((o) => !this.objects.has(o.info.hash));
    const freshBooks = codebooks.filter((c) => rewrite || !this.books.has(c.info.hash));
    if (fresh.length === 0 && freshBooks.length === 0) return undefined;
    const writer = this.beginPack(onProgress);
    try {
      for (const book of freshBooks) await writer.addCodebook(book);
      for (const o of fresh) await writer.add(o);
    } catch (err) {
      writer.abort();
      throw err;
    }
    return this.publish(writer, onProgress);
  }

  private async file(pack: string): Promise<H5File> {
    let f = this.open.get(pack);
    if (!f) {
      const path = join(this.dir, `${pack}.h5`);
      if (!existsSync(path)) throw new ReefError('REPOSITORY', `pack file ${path} is missing; the repository is damaged (run reef fsck)`);
      const opened = await (await loadHdf5()).openH5(path, 'r');
      // Two tensors are encoded at a time: another caller may have opened the pack meanwhile.
      f = this.open.get(pack);
      if (f) opened.close();
      else this.open.set(pack, (f = opened));
    }
    return f;
  }

  /** Reads an object as stored (no decoding), to copy it into another pack. */
  async readEncoded(hash: string): Promise<EncodedObject> {
    const entry = this.objects.get(hash);
    if (!entry) throw new ReefError('REPOSITORY', `object ${hash.slice(0, 12)} is not in the repository`);
    const where = whereIs(entry.pack, hash, entry.inline);
    if (entry.inline) return fromInline(entry.info, this.inlineOf(entry.pack, hash, where), where);
    const file = await this.file(entry.pack);
    if (entry.info.encoding === 'whole') {
      const path = `${entry.info.kind === CENTROID_KIND ? 'centroids' : 'weights'}/${hash}`;
      const ds = file.get(path);
      if (!(ds instanceof hdf5().h5wasm.Dataset)) throw new ReefError('REPOSITORY', `${where}: /${path} is missing`);
      const attrs = ds.attrs; // h5wasm reads every attribute on each access: once only
      const text = (k: string): string | undefined => (attrs[k] === undefined ? undefined : String(attrs[k].value));
      const json = (k: string): unknown => (attrs[k] === undefined ? undefined : JSON.parse(String(attrs[k].value)));
      const planes = readWholePlanes(json, text, `${where}: /${path}`);
      return { info: entry.info, whole: { bytes: (ds.value as Uint8Array).slice(), ...planes } };
    }
    const group = file.get(`deltas/${hash}`);
    if (!(group instanceof hdf5().h5wasm.Group)) throw new ReefError('REPOSITORY', `${where}: /deltas/${hash} is missing`);
    return { info: entry.info, payload: hdf5().readPortable(group, where) };
  }

  /** Reads a tensor, decoding its delta chain; `verify` re-hashes the result. The caller may keep it. */
  async get(hash: string, verify = false): Promise<Tensor> {
    const cached = this.cache.get(hash);
    if (cached && !verify) {
      cached.owned = false; // handed out: never recycled
      return cached.tensor;
    }
    return this.decode(hash, verify);
  }

  /**
   * `get` for a caller that reads the tensor only until its own call returns and keeps nothing of
   * it (add's encode trials against a reference): the store stays its only owner and may recycle its
   * memory when it drops it (`forget`), so the caller must not hold it past that call.
   */
  async peek(hash: string): Promise<Tensor> {
    return this.cache.get(hash)?.tensor ?? this.decode(hash, false, true, true);
  }

  /** `latestCopy`: a raw copy from `latest` may stand in (add's references only: reads that must see the packs, export, checkout, fsck, never use one). */
  private async decode(hash: string, verify: boolean, owned = false, latestCopy = false): Promise<Tensor> {
    const entry = this.objects.get(hash);
    if (!entry) throw new ReefError('REPOSITORY', `object ${hash.slice(0, 12)} is not in the repository (damaged or garbage-collected)`);
    const { info } = entry;
    const where = whereIs(entry.pack, hash, entry.inline);
    const copy = !latestCopy || info.kind === CENTROID_KIND ? undefined : this.latest?.read(hash, info.rawBytes);
    if (copy) {
      const cached: Tensor = { dtype: info.dtype, shape: info.shape, data: copy };
      // Always re-hashed: the copy is outside the repository's guarantees.
      if (tensorHash(cached) === hash) {
        this.remember(hash, cached, owned);
        return cached;
      }
    }
    let tensor: Tensor;
    try {
      const stored = await this.readEncoded(hash);
      if (stored.whole) {
        tensor = { dtype: info.dtype, shape: info.shape, data: unpackPlanes(stored.whole, DTYPE_BYTES[info.dtype], info.rawBytes, info.dtype) };
      } else {
        let payload = stored.payload as PortableData;
        if (info.codebook) payload = withCodebook(payload, (await this.readCodebook(info.codebook, where)).data);
        if (!info.reference) throw new ReefError('BAD_FILE', `${where}: delta without a reference`);
        const reference = info.reference === ZERO_REFERENCE ? zeroTensor(info.dtype, info.shape) : await this.get(info.reference, verify);
        const decoded = await this.registry.deltaType(info.encoding).decode(payload, reference);
        tensor = { dtype: info.dtype, shape: info.shape, data: decoded.data };
      }
    } catch (err) {
      if (err instanceof ReefError && err.code !== 'BAD_MODEL') throw err;
      throw new ReefError('REPOSITORY', `${where} is corrupt: ${messageOf(err)}`, { cause: err });
    }
    const rehash = info.kind === CENTROID_KIND ? centroidHash : tensorHash;
    if (tensor.data.length !== info.rawBytes || (verify && rehash(tensor) !== hash)) {
      throw new ReefError('REPOSITORY', `${where} is corrupt: its content no longer matches its hash`);
    }
    this.remember(hash, tensor, owned);
    return tensor;
  }

  /**
   * Keeps a tensor just stored, so the next commit's delta against it needs no decoding. `owned`:
   * the caller hands its memory over (nothing else holds it), to be recycled when it is dropped.
   */
  remember(hash: string, t: Tensor, owned = false): void {
    if (t.data.length > this.cacheBytes / 4 || this.cache.has(hash)) {
      if (owned) returnScratch(t.data);
      return;
    }
    this.cache.set(hash, { tensor: t, owned });
    this.cachedBytes += t.data.length;
    for (const key of this.cache.keys()) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.drop(key);
    }
  }

  /** Drops tensors from the cache (a commit's references once a newer commit replaced them). */
  forget(hashes: Iterable<string>): void {
    for (const hash of hashes) this.drop(hash);
  }

  private drop(hash: string): void {
    const entry = this.cache.get(hash);
    if (!entry) return;
    this.cache.delete(hash);
    this.cachedBytes -= entry.tensor.data.length;
    if (entry.owned) returnScratch(entry.tensor.data);
  }

  clearCache(): void {
    for (const hash of [...this.cache.keys()]) this.drop(hash);
    this.bookCache.clear();
  }

  /** Closes the packs and drops the cache (its own memory serves the next repository's reads). */
  close(): void {
    for (const f of this.open.values()) f.close();
    this.open.clear();
    this.clearCache();
  }
}
