import { ReefError } from '@reef/core/errors';
import type { NumericArray } from '@reef/core';
import { h5lib } from './lib.js';
import type { H5Dataset, H5Group } from './h5.js';

/**
 * Path-addressed writes: the calls h5wasm's Group.create_group / create_dataset / create_attribute
 * make into the HDF5 module, with the same metadata and bytes, minus what those methods do after
 * writing: create_group and create_dataset end by looking the new object up (`get`, one `get_type`
 * call into HDF5 each) to return a Group or Dataset object that writers of packs never use.
 * Measured on the CNN series (bench/store/RESULTS.md): 120 such lookups per 7 commits, 18.8 ms in a
 * process's first 7 commits (while HDF5's code is still being compiled), 3 ms once warm.
 * Only for objects opened for writing; h5wasm must be ready (`h5ready`).
 */

/** Where a write goes: a file or group (its file id and path). */
type Target = Pick<H5Group | H5Dataset, 'file_id' | 'path'>;

function childPath(parent: Target, name: string): string {
  return parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
}

/** Creates group `name` under `parent`; returns its path. */
export function createGroupAt(parent: Target, name: string): string {
  const path = childPath(parent, name);
  h5lib().Module.create_group(parent.file_id, path, false);
  return path;
}

/** Copies `bytes` into the HDF5 module's heap for one call. */
function withHeapCopy(bytes: Uint8Array, use: (ptr: bigint) => void): void {
  const ptr = h5lib().Module._malloc(Math.max(1, bytes.length));
  if (ptr === 0) throw new ReefError('BAD_FILE', `HDF5 module: cannot allocate ${bytes.length} bytes`);
  try {
    h5lib().Module.HEAPU8.set(bytes, ptr);
    use(BigInt(ptr));
  } finally {
    h5lib().Module._free(ptr);
  }
}

/** A contiguous, uncompressed dataset `name` under `parent` holding a typed array of `shape`. */
export function createDatasetAt(parent: Target, name: string, data: NumericArray, shape: readonly number[]): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new ReefError('INVALID_PARAM', `dataset '${name}': shape [${shape.join(', ')}] holds ${count} elements, the data ${data.length}`);
  const dims = shape.map(BigInt);
  const metadata = { ...h5lib().guess_metadata(data), shape: dims, maxshape: dims, chunks: null, compression: 0, compression_opts: [], track_order: false };
  withHeapCopy(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), (ptr) => {
    h5lib().Module.create_dataset(parent.file_id, childPath(parent, name), ptr, metadata);
  });
}

/**
 * A scalar string attribute: fixed-length UTF-8 of exactly its bytes (`fixed`), or variable-length
 * (what h5wasm writes for a plain string).
 */
export function createStringAttributeAt(target: Target, name: string, value: string, fixed: boolean): void {
  if (!fixed) {
    const metadata = { ...h5lib().guess_metadata(value), shape: [], maxshape: [] };
    h5lib().Module.create_vlen_str_attribute(target.file_id, target.path, name, [value], metadata);
    return;
  }
  const bytes = new TextEncoder().encode(value);
  const metadata = { ...h5lib().dtype_to_metadata(`S${Math.max(1, bytes.length)}`), shape: [], maxshape: [] };
  const padded = bytes.length > 0 ? bytes : new Uint8Array(1); // 'S1' of the empty string: one zero byte
  withHeapCopy(padded, (ptr) => {
    h5lib().Module.create_attribute(target.file_id, target.path, name, ptr, metadata);
  });
}
