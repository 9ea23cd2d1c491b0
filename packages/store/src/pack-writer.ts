import { ReefError } from '@reef/core/errors';
import type { H5Dataset, H5File, H5Group } from '@reef/hdf5';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CENTROID_KIND } from './cluster-centroid.js';
import { writeCodebook, type CodebookInfo, type StoredCodebook } from './codebooks.js';
import { hdf5, loadHdf5, messageOf } from './h5-lazy.js';
import { atomicWrite, fsyncAll, fsyncFile, tempPath, writeTemp, type LaterFile } from './fsutil.js';
import { inlineForm, type InlineObject } from './inline-objects.js';
import { wholeObjectAttribute, type EncodedObject, type ObjectAttribute, type ObjectInfo } from './object-format.js';
import { manifestText, type ReadManifest } from './pack-manifest.js';

/** A pack just published: its name, objects and inline objects (as its manifest lists them). */
export interface PublishedPack {
  readonly name: string;
  readonly manifest: ReadManifest;
}

/**
 * A fixed-length UTF-8 string attribute. h5wasm writes plain strings as variable-length ones, which
 * cost twice as much to create (measured: 0.28 against 0.14 ms each), and a pack holds several per tensor.
 */
export function textAttribute(target: Pick<H5Group | H5Dataset, 'file_id' | 'path'>, name: string, value: string): void {
  hdf5().createStringAttributeAt(target, name, value, true);
}

function childGroup(parent: H5Group, name: string): H5Group {
  const existing = parent.keys().includes(name) ? parent.get(name) : undefined;
  if (existing instanceof hdf5().h5wasm.Group) return existing;
  return parent.create_group(name);
}

/**
 * One pack being written. Objects go into the HDF5 file as they are added, so an `add` of a large
 * model never holds all its encoded tensors at once; `finish` publishes the pack (file flushed and
 * renamed, then its manifest), `abort` removes it. Until its manifest exists the pack is invisible:
 * a process killed at any point leaves at worst an unlisted temporary file that gc removes.
 */
export class PackWriter {
  readonly name = `pack-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly h5Path: string;
  private readonly tmp: string;
  private file?: H5File;
  private opening?: Promise<H5File>;
  /** /weights and /deltas, opened once: h5wasm's `get` looks a path up and types it on every call. */
  private groups?: PackGroups;
  /** The objects in writing order; small ones carry their inline form (kept in the manifest, not the HDF5 file). */
  private readonly entries: { info: ObjectInfo; inline?: InlineObject }[] = [];
  private readonly books: CodebookInfo[] = [];
  private readonly written = new Set<string>();

  /** `onProgress` hears 'pack-opened' when the temporary pack file is created (the write's first file). */
  constructor(private readonly dir: string, private readonly onProgress?: (stage: string) => void) {
    this.h5Path = join(dir, `${this.name}.h5`);
    this.tmp = tempPath(this.h5Path);
  }

  /** Whether the pack already holds this object (or codebook) hash. */
  has(hash: string): boolean {
    return this.written.has(hash);
  }

  get objectCount(): number {
    return this.entries.length;
  }

  async add(o: EncodedObject): Promise<void> {
    if (this.written.has(o.info.hash)) return;
    const inline = inlineForm(o);
    if (inline) {
      this.written.add(o.info.hash);
      this.entries.push({ info: o.info, inline });
      return;
    }
    const file = await this.open();
    if (this.written.has(o.info.hash)) return; // added by a concurrent caller meanwhile
    this.guard(() => writeObject(file, this.groups as PackGroups, o));
    this.written.add(o.info.hash);
    this.entries.push({ info: o.info });
  }

  async addCodebook(book: StoredCodebook): Promise<void> {
    if (this.written.has(book.info.hash)) return;
    const file = await this.open();
    if (this.written.has(book.info.hash)) return;
    this.guard(() => writeCodebook(file, book));
    this.written.add(book.info.hash);
    this.books.push(book.info);
  }

  /** Publishes the pack; returns its name, or undefined when nothing was added (no file is left). */
  finish(onProgress?: (stage: string) => void): PublishedPack | undefined {
    if (this.entries.length === 0 && this.books.length === 0) return undefined;
    if (this.file) {
      this.file.close();
      this.file = undefined;
      onProgress?.('pack-written');
      fsyncFile(this.tmp);
      renameSync(this.tmp, this.h5Path);
      onProgress?.('pack-renamed');
    }
    atomicWrite(join(this.dir, `${this.name}.json`), manifestText(this.name, this.entries, this.books));
    onProgress?.('manifest-written');
    return this.published();
  }

  /** The published pack as the object store lists it. */
  private published(): PublishedPack {
    const inline = new Map<string, InlineObject>();
    for (const e of this.entries) if (e.inline) inline.set(e.info.hash, e.inline);
    return { name: this.name, manifest: { pack: this.name, objects: this.entries.map((e) => e.info), inline, codebooks: this.books } };
  }

  /**
   * `finish` for a write that publishes more files after the pack (add: the staging index): the
   * manifest and `later` are written under temporary names, all of them flushed together, then
   * renamed in the same order as `finish` does (pack, manifest, then `later` in turn), so a process
   * killed at any point leaves the same states as before, and no rename publishes unflushed bytes.
   */
  async finishWith(later: readonly LaterFile[], onProgress?: (stage: string) => void): Promise<PublishedPack | undefined> {
    if (this.entries.length === 0 && this.books.length === 0) return undefined;
    // A pack whose objects are all inline has no HDF5 file: the manifest is all of it.
    const hasFile = this.file !== undefined;
    if (this.file) {
      this.file.close();
      this.file = undefined;
      onProgress?.('pack-written');
    }
    const manifestPath = join(this.dir, `${this.name}.json`);
    const temps: string[] = [];
    try {
      temps.push(writeTemp(manifestPath, manifestText(this.name, this.entries, this.books)));
      for (const f of later) temps.push(writeTemp(f.path, f.data));
      await fsyncAll(hasFile ? [this.tmp, ...temps] : temps);
    } catch (err) {
      for (const t of temps) rmSync(t, { force: true });
      throw err;
    }
    if (hasFile) {
      renameSync(this.tmp, this.h5Path);
      onProgress?.('pack-renamed');
    }
    renameSync(temps[0], manifestPath);
    onProgress?.('manifest-written');
    later.forEach((f, k) => {
      renameSync(temps[k + 1], f.path);
      if (f.stage) onProgress?.(f.stage);
    });
    return this.published();
  }

  /** Drops an unfinished pack (its temporary file). */
  abort(): void {
    try {
      this.file?.close();
    } catch {
      // closing a broken file may fail; the file is removed either way
    }
    this.file = undefined;
    this.opening = Promise.reject(new ReefError('INVALID_PARAM', `pack ${this.name} was aborted`));
    this.opening.catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }

  /** Creates the file on first use; concurrent first adds share the one creation. */
  private open(): Promise<H5File> {
    this.opening ??= loadHdf5().then(({ openH5 }) => openH5(this.tmp, 'w')).then((file) => {
      this.file = file;
      this.guard(() => {
        file.create_attribute('reef_format', 'reef-pack');
        // How every dataset under /weights is stored, said once per pack instead of once per tensor.
        const weights = file.create_group('weights');
        textAttribute(weights, 'encoding', 'byte-planes+deflate');
        this.groups = { weights, deltas: file.create_group('deltas') };
      });
      this.onProgress?.('pack-opened');
      return file;
    });
    return this.opening;
  }

  private guard(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.abort();
      throw new ReefError('BAD_FILE', `cannot write pack ${this.name}: ${messageOf(err)}`, { cause: err });
    }
  }
}

/** The groups every pack has, kept open while it is written. */
interface PackGroups {
  readonly weights: H5Group;
  readonly deltas: H5Group;
}

/**
 * Writes one object: a whole tensor as a u8 dataset of packed byte planes under /weights (centroids
 * under /centroids), a delta as a group of payload arrays under /deltas. Its dtype, shape, plane
 * layout or delta type and reference go into one JSON attribute `object` (its content hash is its
 * name): each HDF5 attribute costs a path lookup and a header write in h5wasm (0.05–0.17 ms
 * measured), and packs used to carry five or six per object.
 */
function writeObject(file: H5File, groups: PackGroups, o: EncodedObject): void {
  const { info } = o;
  const attribute: ObjectAttribute = { dtype: info.dtype, shape: info.shape, ...(info.kind ? { kind: info.kind } : {}) };
  if (o.whole) {
    // Centroids are no user tensors: kept apart so /weights holds only what files contain.
    const parent = info.kind === CENTROID_KIND ? childGroup(file, 'centroids') : groups.weights;
    // Path-addressed (@reef/hdf5 writes.ts): h5wasm's create_dataset / create_group would look the
    // new object up again to return it, one HDF5 call per object for nothing.
    hdf5().createDatasetAt(parent, info.hash, o.whole.bytes, [o.whole.bytes.length]);
    textAttribute({ file_id: file.file_id, path: `${parent.path}/${info.hash}` }, 'object', JSON.stringify(wholeObjectAttribute(info, o.whole)));
  } else if (o.payload) {
    const { h5wasm, createGroupAt, writePortable } = hdf5();
    const group = new h5wasm.Group(file.file_id, createGroupAt(groups.deltas, info.hash));
    // The payload's attributes go in as one exact JSON attribute (reef_attributes_json). Variable-
    // length: a fixed-length one was measured 4.8 KB larger on the CNN series (+0.05%).
    writePortable(group, o.payload, { plainAttributes: false });
    const deltaType = String(o.payload.attributes.delta_type ?? info.encoding);
    textAttribute(group, 'object', JSON.stringify({ ...attribute, delta_type: deltaType, reference: info.reference ?? '' }));
  } else throw new ReefError('BAD_MODEL', `object ${info.hash} has neither whole data nor a delta payload`);
}
