import type { H5Dataset, H5File, H5Group } from '@reef/hdf5';
import { rmSync } from 'node:fs';
import { writeCodebook } from './codebooks.js';
import { hdf5, loadHdf5 } from './h5-lazy.js';
import type { PackRecord } from './pack-record.js';

/**
 * The HDF5 file of a pack being written, wherever it is written: in this thread (`LocalPackFile`)
 * or in a worker thread (pack-file-thread.ts), so that h5wasm starts while an add reads and encodes.
 * Operations run in call order. A failed operation rejects with the HDF5 library's message; the
 * caller (PackWriter) then abandons the file.
 */
export interface PackFile {
  /** Creates the file at `path` (a temporary name: PackWriter renames it when published). */
  create(path: string): Promise<void>;
  write(record: PackRecord): Promise<void>;
  /** Closes the file: every byte is in the file system (not yet flushed to disk). */
  close(): Promise<void>;
  /** Drops the file: closes it if open, removes it; never throws. */
  abandon(): void;
  /** `abandon`, resolved once the file is gone (a creation still in flight included). */
  discard(): Promise<void>;
}

/**
 * A fixed-length UTF-8 string attribute. h5wasm writes plain strings as variable-length ones, which
 * cost twice as much to create (measured: 0.28 against 0.14 ms each), and a pack holds several per tensor.
 */
export function textAttribute(target: Pick<H5Group | H5Dataset, 'file_id' | 'path'>, name: string, value: string): void {
  hdf5().createStringAttributeAt(target, name, value, true);
}

/** An open pack file and the groups every pack has, kept open while it is written. */
export class H5PackFile {
  private constructor(
    private readonly file: H5File,
    private readonly weights: H5Group,
    private readonly deltas: H5Group,
  ) {}

  static async create(path: string): Promise<H5PackFile> {
    const { openH5 } = await loadHdf5();
    const file = await openH5(path, 'w');
    try {
      file.create_attribute('reef_format', 'reef-pack');
      // How every dataset under /weights is stored, said once per pack instead of once per tensor.
      const weights = file.create_group('weights');
      textAttribute(weights, 'encoding', 'byte-planes+deflate');
      return new H5PackFile(file, weights, file.create_group('deltas'));
    } catch (err) {
      file.close();
      throw err;
    }
  }

  write(record: PackRecord): void {
    const { h5wasm, createDatasetAt, createGroupAt, writePortable } = hdf5();
    switch (record.kind) {
      case 'whole': {
        const parent = record.group === 'weights' ? this.weights : this.childGroup('centroids');
        // Path-addressed (@reef/hdf5 writes.ts): h5wasm's create_dataset / create_group would look the
        // new object up again to return it, one HDF5 call per object for nothing.
        createDatasetAt(parent, record.hash, record.bytes, [record.bytes.length]);
        textAttribute({ file_id: this.file.file_id, path: `${parent.path}/${record.hash}` }, 'object', record.object);
        return;
      }
      case 'delta': {
        const group = new h5wasm.Group(this.file.file_id, createGroupAt(this.deltas, record.hash));
        // The payload's attributes go in as one exact JSON attribute (reef_attributes_json). Variable-
        // length: a fixed-length one was measured 4.8 KB larger on the CNN series (+0.05%).
        writePortable(group, record.payload, { plainAttributes: false });
        textAttribute(group, 'object', record.object);
        return;
      }
      case 'codebook':
        writeCodebook(this.file, record.book);
        return;
    }
  }

  close(): void {
    this.file.close();
  }

  private childGroup(name: string): H5Group {
    const existing = this.file.keys().includes(name) ? this.file.get(name) : undefined;
    if (existing instanceof hdf5().h5wasm.Group) return existing;
    return this.file.create_group(name);
  }
}

/** A pack file written in this thread; operations queue behind each other, as the interface says. */
export class LocalPackFile implements PackFile {
  private file?: H5PackFile;
  private path?: string;
  private queue: Promise<unknown> = Promise.resolve();

  create(path: string): Promise<void> {
    this.path = path;
    return this.run(async () => {
      this.file = await H5PackFile.create(path);
    });
  }

  write(record: PackRecord): Promise<void> {
    return this.run(() => this.opened().write(record));
  }

  close(): Promise<void> {
    return this.run(() => {
      this.opened().close();
      this.file = undefined;
    });
  }

  abandon(): void {
    const drop = (): void => {
      try {
        this.file?.close();
      } catch {
        // closing a broken file may fail; the file is removed either way
      }
      this.file = undefined;
      if (this.path) rmSync(this.path, { force: true });
    };
    drop();
    void this.run(drop); // again after a creation still in flight
  }

  discard(): Promise<void> {
    this.abandon();
    return this.run(() => undefined);
  }

  private run<T>(op: () => T | Promise<T>): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private opened(): H5PackFile {
    if (!this.file) throw new Error('internal error: pack file used before it was created');
    return this.file;
  }
}
