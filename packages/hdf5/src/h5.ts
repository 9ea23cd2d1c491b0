import { ReefError } from '@reef/core/errors';
import type * as H5wasmModule from 'h5wasm';
import { guardH5, messageOf, printable } from './guard.js';
import { h5lib } from './lib.js';

export type H5File = InstanceType<typeof H5wasmModule.File>;
export type H5Group = InstanceType<typeof H5wasmModule.Group>;
export type H5Dataset = InstanceType<typeof H5wasmModule.Dataset>;

let initialised: Promise<void> | undefined;

/**
 * Loads the h5wasm module once and switches on its throwing error handler: without it, HDF5 errors
 * are only printed to the console and calls return garbage.
 */
export function h5ready(): Promise<void> {
  initialised ??= h5lib().ready.then((module) => {
    module.activate_throwing_error_handler();
  });
  return initialised;
}

/** Opens an HDF5 file (on disk in Node, in the module's memory file system in browsers), turning h5wasm's errors into a one-line ReefError that names the file. */
export async function openH5(path: string, mode: 'r' | 'w' | 'a' = 'r'): Promise<H5File> {
  await h5ready();
  return guardH5(path, `open it as HDF5 (${mode === 'r' ? 'read' : 'write'})`, () => new (h5lib().File)(path, mode));
}

/** Reads a dataset (or rows [start, end) of it), wrapping HDF5 errors with the dataset path. */
export function readDataset(file: H5Group, path: string, rows?: [number, number]): { data: unknown; shape: number[]; dtype: unknown } {
  const entity = file.get(path);
  if (!entity || !(entity instanceof h5lib().Dataset)) {
    throw new ReefError('BAD_FILE', `HDF5 file has no dataset '${printable(path)}'`);
  }
  const shape = entity.shape ?? [];
  try {
    const data = rows ? entity.slice([[rows[0], rows[1]]]) : entity.value;
    return { data, shape, dtype: entity.dtype };
  } catch (err) {
    throw new ReefError('BAD_FILE', `cannot read dataset '${printable(path)}' (file truncated or corrupt?): ${messageOf(err)}`, { cause: err });
  }
}
