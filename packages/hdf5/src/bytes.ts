import type { SavedModel } from '@reef/core';
import { readAnnAt, type AnnDataset, type AnnReadOptions } from './ann.js';
import { guardH5 } from './guard.js';
import { h5ready, openH5 } from './h5.js';
import { h5lib } from './lib.js';
import { readModel, writeModel } from './portable.js';

/**
 * HDF5 files as bytes, for browsers: each call writes or reads one file in the wasm module's
 * memory file system under a name of its own and removes it before returning. (Node's build of
 * h5wasm maps that file system onto the disk: Node uses the *File functions instead.)
 */

/** What a browser reader may allocate unless told otherwise: a page has no reliable memory figure. */
const BROWSER_MEMORY_BUDGET = 1024 * 1024 * 1024;

let serial = 0;

function scratchPath(): string {
  return `/reef-scratch-${++serial}.h5`;
}

function remove(path: string): void {
  try {
    h5lib().FS?.unlink(path);
  } catch {
    // already gone: nothing to clean up
  }
}

async function withBytesFile<T>(bytes: Uint8Array, use: (path: string) => T): Promise<T> {
  await h5ready();
  const path = scratchPath();
  h5lib().FS!.writeFile(path, bytes);
  try {
    return use(path);
  } finally {
    remove(path);
  }
}

/** A trained model as the bytes of an HDF5 file, the layout of `saveModelFile`. */
export async function saveModelBytes(model: SavedModel): Promise<Uint8Array> {
  await h5ready();
  const path = scratchPath();
  try {
    const file = await openH5(path, 'w');
    try {
      writeModel(file, model);
    } finally {
      file.close();
    }
    return new Uint8Array(h5lib().FS!.readFile(path));
  } finally {
    remove(path);
  }
}

/** Loads a model from the bytes of a model file; `name` is what error messages call it. */
export function loadModelBytes(bytes: Uint8Array, name = 'model file'): Promise<SavedModel> {
  return withBytesFile(bytes, (path) =>
    guardH5(name, 'read it as a Reef model', () => {
      const file = new (h5lib().File)(path, 'r');
      try {
        return readModel(file, name);
      } finally {
        file.close();
      }
    }),
  );
}

/** Reads an ann-benchmarks HDF5 file from its bytes (see `readAnnAt`); `name` names it in errors. */
export function readAnnBytes(bytes: Uint8Array, name: string, options: AnnReadOptions = {}): Promise<AnnDataset> {
  return withBytesFile(bytes, (path) => readAnnAt(path, name, bytes.length, options.memoryBudget ?? BROWSER_MEMORY_BUDGET));
}
