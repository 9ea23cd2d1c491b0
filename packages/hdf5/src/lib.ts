import type * as H5wasmModule from 'h5wasm';

/**
 * Which build of h5wasm this package calls: `h5wasm/node` (files on disk) in Node, the ES-module
 * build (files in the wasm module's in-memory file system) in browsers. The entry a program loads
 * binds one (index.ts: Node, browser.ts: browsers); every other module asks `h5lib()` for it, so
 * the readers and writers are the same code on both.
 */
export type H5Lib = typeof H5wasmModule;

let bound: H5Lib | undefined;

export function bindH5lib(lib: H5Lib): void {
  bound = lib;
}

export function h5lib(): H5Lib {
  if (bound === undefined) throw new Error('@reef/hdf5: no h5wasm build bound; import @reef/hdf5 itself, not one of its files');
  return bound;
}
