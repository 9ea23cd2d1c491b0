import { ReefError } from '@reef/core/errors';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type CodebookInfo, type StoredCodebook } from './codebooks.js';
import { messageOf } from './h5-lazy.js';
import { atomicWrite, fsyncAll, fsyncFile, tempPath, writeTemp, type LaterFile } from './fsutil.js';
import { inlineForm, type InlineObject } from './inline-objects.js';
import { type EncodedObject, type ObjectInfo } from './object-format.js';
import { LocalPackFile, type PackFile } from './pack-file.js';
import { ThreadPackFile, packFileThreadAvailable, takeWarmPackThread } from './pack-file-thread.js';
import { objectRecord, type PackRecord } from './pack-record.js';
import { manifestText, type ReadManifest } from './pack-manifest.js';

/** A pack just published: its name, objects and inline objects (as its manifest lists them). */
export interface PublishedPack {
  readonly name: string;
  readonly manifest: ReadManifest;
}

/**
 * One pack being written. Objects go into the HDF5 file as they are added, so an `add` of a large
 * model never holds all its encoded tensors at once; `finish` publishes the pack (file flushed and
 * renamed, then its manifest), `abort` removes it. Until its manifest exists the pack is invisible:
 * a process killed at any point leaves at worst an unlisted temporary file that gc removes.
 *
 * `thread`: the HDF5 file is written by a worker thread (pack-file-thread.ts), started by
 * `expectFile` so that h5wasm loads while the caller encodes; `add` then returns once the object is
 * copied for it, and a failure to write surfaces at the next `add` or at `finish`. Without it (or
 * where the worker's module is not built), in this thread: `add` returns once the object is written.
 */
export class PackWriter {
  readonly name = `pack-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly h5Path: string;
  private readonly tmp: string;
  /** Whether the file is to be written by a worker thread (option `thread`, and the worker is built). */
  private readonly threadWanted: boolean;
  /** The HDF5 file, once the first object that is not inline (or `expectFile`) asked for it. */
  private file?: PackFile;
  /** Records handed to the file: none, and the file is dropped at the end (every object was inline). */
  private records = 0;
  /** Writes handed to the worker and not yet confirmed; the first failure among them. */
  private inFlight: Promise<void>[] = [];
  private failure?: unknown;
  private aborted = false;
  /** The objects in writing order; small ones carry their inline form (kept in the manifest, not the HDF5 file). */
  private readonly entries: { info: ObjectInfo; inline?: InlineObject }[] = [];
  private readonly books: CodebookInfo[] = [];
  private readonly written = new Set<string>();

  /** `onProgress` hears 'pack-opened' when the temporary pack file is created (the write's first file). */
  constructor(private readonly dir: string, private readonly onProgress?: (stage: string) => void, options: { thread?: boolean } = {}) {
    this.h5Path = join(dir, `${this.name}.h5`);
    this.tmp = tempPath(this.h5Path);
    this.threadWanted = options.thread === true && packFileThreadAvailable();
  }

  /**
   * Says an object too large to be inline is about to be encoded: with `thread`, the worker starts
   * (or the one `prepareAdd` started is taken) and creates the file now, so h5wasm loads and the
   * file is ready during the encode. (An add whose tensors are all stored already starts none.)
   */
  expectFile(): void {
    if (this.threadWanted && !this.file && !this.aborted) this.openFile();
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
    this.written.add(o.info.hash);
    if (inline) {
      this.entries.push({ info: o.info, inline });
      return;
    }
    this.entries.push({ info: o.info });
    await this.write(objectRecord(o));
  }

  async addCodebook(book: StoredCodebook): Promise<void> {
    if (this.written.has(book.info.hash)) return;
    this.written.add(book.info.hash);
    this.books.push(book.info);
    await this.write({ kind: 'codebook', book });
  }

  /** Publishes the pack; returns its name, or undefined when nothing was added (no file is left). */
  async finish(onProgress?: (stage: string) => void): Promise<PublishedPack | undefined> {
    if (!(await this.closeFile(onProgress))) return undefined;
    if (this.file) {
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
    if (!(await this.closeFile(onProgress))) return undefined;
    // A pack whose objects are all inline has no HDF5 file: the manifest is all of it.
    const hasFile = this.file !== undefined;
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
    this.aborted = true;
    this.file?.abandon();
    rmSync(this.tmp, { force: true });
  }

  /**
   * Waits for every write and closes the HDF5 file ('pack-written'); false when the pack holds
   * nothing (a worker started for it is let go).
   */
  private async closeFile(onProgress?: (stage: string) => void): Promise<boolean> {
    if (this.entries.length === 0 && this.books.length === 0) {
      this.abort();
      return false;
    }
    if (this.file && this.records === 0) {
      // Every object was inline: the file created ahead is not needed (waited for, so none is left).
      await this.file.discard();
      this.file = undefined;
    }
    if (!this.file) return true;
    const file = this.file;
    await this.guard(Promise.all(this.inFlight).then(() => this.throwIfFailed()));
    await this.guard(file.close());
    onProgress?.('pack-written');
    return true;
  }

  /** Writes a record: creates the file first when this is the first one. */
  private async write(record: PackRecord): Promise<void> {
    this.throwIfFailed();
    if (this.aborted) throw new ReefError('INVALID_PARAM', `pack ${this.name} was aborted`);
    const file = this.file ?? this.openFile();
    this.records++;
    if (file instanceof ThreadPackFile) {
      this.track(file.write(record)); // copied for the worker: the caller may go on
      return;
    }
    await this.guard(Promise.all(this.inFlight).then(() => this.throwIfFailed()));
    await this.guard(file.write(record));
  }

  /** Creates the HDF5 file: requests run in order, so the creation need not be awaited before a write is sent. */
  private openFile(): PackFile {
    const file = (this.file = this.threadWanted ? (takeWarmPackThread() ?? new ThreadPackFile()) : new LocalPackFile());
    this.track(file.create(this.tmp).then(() => this.onProgress?.('pack-opened')));
    return file;
  }

  private track(p: Promise<void>): void {
    this.inFlight.push(
      p.catch((err: unknown) => {
        this.failure ??= err;
      }),
    );
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** A failed write aborts the pack (its temporary file removed) and names it. */
  private async guard(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (err) {
      this.abort();
      if (err instanceof ReefError) throw err;
      throw new ReefError('BAD_FILE', `cannot write pack ${this.name}: ${messageOf(err)}`, { cause: err });
    }
  }
}
