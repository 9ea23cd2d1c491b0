import { DTYPE_BYTES, ReefError, type DType, type PortableData, type Registry, type Tensor } from '@reef/core';
import { unpackPlanes, type PackedPlanes } from '@reef/delta-lossless';
import { h5wasm, messageOf, openH5, readPortable, writePortable, type H5File, type H5Group } from '@reef/hdf5';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWrite, fsyncFile, readJson, tempPath } from './fsutil.js';
import { CENTROID_KIND, centroidHash } from './cluster-centroid.js';
import { readCodebook, withCodebook, writeCodebook, type CodebookInfo, type StoredCodebook } from './codebooks.js';
import { tensorHash } from './hash.js';

/** What the store knows about one stored tensor without opening its pack. */
export interface ObjectInfo {
  readonly hash: string;
  readonly dtype: DType;
  readonly shape: number[];
  /** 'whole' (byte planes + deflate) or the id of the delta type. */
  readonly encoding: string;
  /** Hash of the reference tensor, for deltas. */
  readonly reference?: string;
  /** Deltas to decode before this one (0 for whole tensors); bounded so reads stay fast. */
  readonly depth: number;
  readonly rawBytes: number;
  readonly storedBytes: number;
  /** 'centroid' for a cluster centroid (src/cluster.ts): no file holds it, its hash has its own domain. */
  readonly kind?: typeof CENTROID_KIND;
  /** Hash of the shared codebook (/pq_codebooks) the delta payload needs back before decoding. */
  readonly codebook?: string;
  /** Measured error of a lossy encoding against the tensor that was added (src/quality.ts). */
  readonly error?: { readonly maxAbs: number; readonly relL2: number };
}

/** An object ready to be written: its info plus either packed planes or a delta payload. */
export interface EncodedObject {
  readonly info: ObjectInfo;
  readonly whole?: PackedPlanes;
  readonly payload?: PortableData;
}

interface PackManifest {
  readonly pack: string;
  readonly objects: ObjectInfo[];
  /** Codebooks stored in the pack (absent in packs written before codebooks existed). */
  readonly codebooks?: CodebookInfo[];
}

/** Most recently decoded tensors kept for delta chains (bytes). */
const CACHE_BYTES = 256 * 1024 * 1024;

function childGroup(parent: H5Group, name: string): H5Group {
  const existing = parent.keys().includes(name) ? parent.get(name) : undefined;
  if (existing instanceof h5wasm.Group) return existing;
  return parent.create_group(name);
}

/**
 * Immutable pack files: each `add` writes one HDF5 file (tensors under /weights, deltas under
 * /deltas) and then a JSON manifest listing its objects. The pack is written under a temporary
 * name and renamed, then the manifest likewise; an object exists only once its manifest does, so a
 * process killed at any point leaves at worst an unlisted file that `gc` removes.
 */
export class ObjectStore {
  private readonly objects = new Map<string, { info: ObjectInfo; pack: string }>();
  /** Objects each manifest lists, superseded copies included (gc rewrites packs holding those). */
  private readonly listed = new Map<string, number>();
  private readonly books = new Map<string, { info: CodebookInfo; pack: string }>();
  private readonly bookCache = new Map<string, StoredCodebook>();
  private readonly open = new Map<string, H5File>();
  private readonly cache = new Map<string, Tensor>();
  private cachedBytes = 0;

  constructor(
    readonly dir: string,
    private readonly registry: Registry,
  ) {
    mkdirSync(dir, { recursive: true });
    this.reload();
  }

  reload(): void {
    this.objects.clear();
    this.listed.clear();
    this.books.clear();
    // Pack names start with a base-36 time, so sorted manifests come in writing order and the newest
    // copy of an object wins: `cluster apply` re-encodes objects by writing a newer pack (one atomic
    // manifest rename switches them); gc copies are identical, so for them the order is moot.
    for (const file of readdirSync(this.dir).sort()) {
      if (!file.endsWith('.json') || file.includes('.tmp-')) continue;
      const manifest = readJson<PackManifest>(join(this.dir, file), `pack manifest ${file}`);
      if (!manifest || !Array.isArray(manifest.objects)) throw new ReefError('BAD_FILE', `pack manifest ${file} is corrupt: no object list`);
      for (const info of manifest.objects) this.objects.set(info.hash, { info, pack: manifest.pack });
      this.listed.set(manifest.pack, manifest.objects.length);
      for (const info of manifest.codebooks ?? []) this.books.set(info.hash, { info, pack: manifest.pack });
    }
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
      throw new ReefError('BAD_FILE', `${needer ? `${needer} needs ` : ''}PQ codebook ${hash.slice(0, 12)}, which is missing from the repository (damaged; run reef fsck)`);
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

  /** Writes objects as a new pack; returns its name, or undefined when there is nothing new. */
  async writePack(
    objects: readonly EncodedObject[],
    onProgress?: (stage: string) => void,
    rewrite = false,
    codebooks: readonly StoredCodebook[] = [],
  ): Promise<string | undefined> {
    // `rewrite` (gc) copies objects and codebooks that exist in a pack about to be retired.
    const fresh = rewrite ? [...objects] : objects.filter((o) => !this.objects.has(o.info.hash));
    const freshBooks = codebooks.filter((c, i) => (rewrite || !this.books.has(c.info.hash)) && codebooks.findIndex((x) => x.info.hash === c.info.hash) === i);
    if (fresh.length === 0 && freshBooks.length === 0) return undefined;
    const name = `pack-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const h5Path = join(this.dir, `${name}.h5`);
    const tmp = tempPath(h5Path);
    const file = await openH5(tmp, 'w');
    try {
      file.create_attribute('reef_format', 'reef-pack');
      const weights = childGroup(file, 'weights');
      const deltas = childGroup(file, 'deltas');
      for (const book of freshBooks) writeCodebook(file, book);
      for (const o of fresh) {
        const { info } = o;
        let target: H5Group | InstanceType<typeof h5wasm.Dataset>;
        if (o.whole) {
          // Centroids are no user tensors: kept apart so /weights holds only what files contain.
          const parent = info.kind === CENTROID_KIND ? childGroup(file, 'centroids') : weights;
          const ds = parent.create_dataset({ name: info.hash, data: o.whole.bytes, shape: [o.whole.bytes.length] });
          ds.create_attribute('encoding', 'byte-planes+deflate');
          ds.create_attribute('plane_lengths', JSON.stringify(o.whole.lengths));
          ds.create_attribute('plane_deflated', JSON.stringify(o.whole.deflated));
          ds.create_attribute('bit_layout', o.whole.layout ?? 'bytes');
          target = ds;
        } else if (o.payload) {
          const group = deltas.create_group(info.hash);
          writePortable(group, o.payload);
          // Lossy payloads name their type themselves (an HDF5 attribute can be written only once).
          if (o.payload.attributes.delta_type === undefined) group.create_attribute('delta_type', info.encoding);
          group.create_attribute('reference', info.reference ?? '');
          target = group;
        } else throw new ReefError('BAD_MODEL', `object ${info.hash} has neither whole data nor a delta payload`);
        target.create_attribute('tensor_dtype', info.dtype);
        target.create_attribute('tensor_shape', JSON.stringify(info.shape));
        target.create_attribute('content_hash', `sha256:${info.hash}`);
        if (info.kind) target.create_attribute('object_kind', info.kind);
      }
    } catch (err) {
      file.close();
      rmSync(tmp, { force: true });
      throw new ReefError('BAD_FILE', `cannot write pack ${name}: ${messageOf(err)}`, { cause: err });
    }
    file.close();
    onProgress?.('pack-written');
    fsyncFile(tmp);
    renameSync(tmp, h5Path);
    onProgress?.('pack-renamed');
    const manifest: PackManifest = { pack: name, objects: fresh.map((o) => o.info), ...(freshBooks.length ? { codebooks: freshBooks.map((c) => c.info) } : {}) };
    atomicWrite(join(this.dir, `${name}.json`), JSON.stringify(manifest));
    onProgress?.('manifest-written');
    for (const o of fresh) this.objects.set(o.info.hash, { info: o.info, pack: name });
    for (const c of freshBooks) this.books.set(c.info.hash, { info: c.info, pack: name });
    return name;
  }

  private async file(pack: string): Promise<H5File> {
    let f = this.open.get(pack);
    if (!f) {
      const path = join(this.dir, `${pack}.h5`);
      if (!existsSync(path)) throw new ReefError('BAD_FILE', `pack file ${path} is missing; the repository is damaged (run reef fsck)`);
      f = await openH5(path, 'r');
      this.open.set(pack, f);
    }
    return f;
  }

  /** Reads an object as stored (no decoding), to copy it into another pack. */
  async readEncoded(hash: string): Promise<EncodedObject> {
    const entry = this.objects.get(hash);
    if (!entry) throw new ReefError('BAD_FILE', `object ${hash.slice(0, 12)} is not in the repository`);
    const file = await this.file(entry.pack);
    const where = `pack ${entry.pack}, object ${hash.slice(0, 12)}`;
    if (entry.info.encoding === 'whole') {
      const path = `${entry.info.kind === CENTROID_KIND ? 'centroids' : 'weights'}/${hash}`;
      const ds = file.get(path);
      if (!(ds instanceof h5wasm.Dataset)) throw new ReefError('BAD_FILE', `${where}: /${path} is missing`);
      const attrs = ds.attrs; // h5wasm reads every attribute on each access: once only
      const attr = (k: string): unknown => JSON.parse(String(attrs[k]?.value));
      const layout = String(attrs.bit_layout?.value ?? 'bytes') as PackedPlanes['layout'];
      const whole: PackedPlanes = { bytes: (ds.value as Uint8Array).slice(), lengths: attr('plane_lengths') as number[], deflated: attr('plane_deflated') as boolean[], layout };
      return { info: entry.info, whole };
    }
    const group = file.get(`deltas/${hash}`);
    if (!(group instanceof h5wasm.Group)) throw new ReefError('BAD_FILE', `${where}: /deltas/${hash} is missing`);
    return { info: entry.info, payload: readPortable(group, where) };
  }

  /** Reads a tensor, decoding its delta chain; `verify` re-hashes the result. */
  async get(hash: string, verify = false): Promise<Tensor> {
    const cached = this.cache.get(hash);
    if (cached && !verify) return cached;
    const entry = this.objects.get(hash);
    if (!entry) throw new ReefError('BAD_FILE', `object ${hash.slice(0, 12)} is not in the repository (damaged or garbage-collected)`);
    const { info } = entry;
    const where = `pack ${entry.pack}, object ${hash.slice(0, 12)}`;
    let tensor: Tensor;
    try {
      const stored = await this.readEncoded(hash);
      if (stored.whole) {
        tensor = { dtype: info.dtype, shape: info.shape, data: unpackPlanes(stored.whole, DTYPE_BYTES[info.dtype], info.rawBytes, info.dtype) };
      } else {
        let payload = stored.payload as PortableData;
        if (info.codebook) payload = withCodebook(payload, (await this.readCodebook(info.codebook, where)).data);
        if (!info.reference) throw new ReefError('BAD_FILE', `${where}: delta without a reference`);
        const reference = await this.get(info.reference, verify);
        const decoded = await this.registry.deltaType(info.encoding).decode(payload, reference);
        tensor = { dtype: info.dtype, shape: info.shape, data: decoded.data };
      }
    } catch (err) {
      if (err instanceof ReefError && err.code !== 'BAD_MODEL') throw err;
      throw new ReefError('BAD_FILE', `${where} is corrupt: ${messageOf(err)}`, { cause: err });
    }
    const rehash = info.kind === CENTROID_KIND ? centroidHash : tensorHash;
    if (tensor.data.length !== info.rawBytes || (verify && rehash(tensor) !== hash)) {
      throw new ReefError('BAD_FILE', `${where} is corrupt: its content no longer matches its hash`);
    }
    this.remember(hash, tensor);
    return tensor;
  }

  /** Keeps a tensor just stored, so the next commit's delta against it needs no decoding. */
  remember(hash: string, t: Tensor): void {
    if (t.data.length > CACHE_BYTES / 4) return;
    this.cache.set(hash, t);
    this.cachedBytes += t.data.length;
    for (const [key, value] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(key);
      this.cachedBytes -= value.data.length;
    }
  }

  clearCache(): void {
    this.cache.clear();
    this.bookCache.clear();
    this.cachedBytes = 0;
  }

  close(): void {
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }
}
