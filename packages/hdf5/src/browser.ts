import * as h5wasmBrowser from 'h5wasm';
import { bindH5lib } from './lib.js';

/**
 * `@reef/hdf5` in browsers (the `browser` condition): the readers and writers of the Node entry on
 * h5wasm's ES-module build, which embeds its wasm and keeps files in its in-memory file system.
 * Files come and go as bytes (`saveModelBytes`, `loadModelBytes`, `readAnnBytes`), in the same
 * HDF5 layout as Node's `saveModelFile`, so a model moves between the two unchanged.
 */
bindH5lib(h5wasmBrowser);

export { default as h5wasm } from 'h5wasm';
export * from './guard.js';
export * from './h5.js';
export * from './portable.js';
export * from './ann.js';
export * from './writes.js';
export * from './bytes.js';
