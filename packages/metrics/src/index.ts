export * from './reconstruction.js';
export * from './size.js';
export * from './recall.js';
export * from './measure.js';
