/** Node-only kernels: the worker-thread compute pool. The main entry has no node: imports. */
export { NodeWorkerPool, type NodeWorkerPoolOptions } from './node-worker-pool.js';
