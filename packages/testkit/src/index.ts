export * from './data.js';
export * from './quantizer-contract.js';
export * from './delta-contract.js';
export * from './services.js';
