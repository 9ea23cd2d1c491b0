export * from './rng.js';
export * from './distances.js';
export * from './kmeans.js';
export * from './bitpack.js';
export * from './topk.js';
export * from './linalg.js';
export * from './wasm.js';
export * from './product-code-scanner.js';
