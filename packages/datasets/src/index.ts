export * from './types.js';
export * from './binary.js';
export * from './vecs.js';
export * from './npy.js';
export * from './idx.js';
export * from './synthetic.js';
export * from './groundtruth.js';
export * from './load.js';
