export * from './mutators.js';
export * from './seeds.js';
export * from './cases.js';
export * from './runner.js';
export { readCase, type Accepted } from './read-case.js';
