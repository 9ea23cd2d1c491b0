// reflect-metadata must be loaded before tsyringe; registry.ts gets both through #di (di.ts, di-node.ts).
export * from './errors.js';
export * from './printable.js';
export * from './exit-codes.js';
export * from './vectors.js';
export * from './params.js';
export * from './tensor.js';
export * from './portable.js';
export * from './quantizer.js';
export * from './dtype-float.js';
export * from './delta/index.js';
export * from './plugin.js';
export * from './services.js';
export * from './registry.js';
