export * from './data.js';
export * from './errors.js';
export * from './manifest.js';
export * from './quantizer-contract.js';
export * from './delta-contract.js';
export * from './services.js';
export * from './model-fixture.js';
