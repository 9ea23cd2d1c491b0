/**
 * `@reef/kernels/browser`: everything of `@reef/kernels`, plus the compute pool on Web Workers.
 * No Node API here either; `@reef/kernels/node` has the worker-thread pool.
 */
export * from './index.js';
export { WebWorkerPool, serveComputeTasks, answerComputeJob, isComputeJob, type WebWorkerPoolOptions, type WebPoolRequest } from './web-worker-pool.js';
