import * as h5wasmNode from '#h5wasm-node';
import { bindH5lib } from './lib.js';

/**
 * `@reef/hdf5` in Node: h5wasm's Node build, files on disk, from dist/h5wasm-node (the same build
 * with its WebAssembly in a file of its own, which starts ~45 ms sooner: scripts/vendor-h5wasm.mjs).
 * Browsers get browser.ts (the same readers and writers on h5wasm's ES-module build, files as
 * bytes) through the `browser` condition.
 */
bindH5lib(h5wasmNode);

export { default as h5wasm } from '#h5wasm-node';
export * from './guard.js';
export * from './file.js';
export * from './h5.js';
export * from './portable.js';
export * from './model-file.js';
export * from './ann.js';
export * from './ann-file.js';
export * from './writes.js';
