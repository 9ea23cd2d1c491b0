export * from './guard.js';
export * from './h5.js';
export * from './portable.js';
export * from './ann.js';
export * from './writes.js';
