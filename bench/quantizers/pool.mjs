// The worker-thread compute pool the benchmarks lend PQ and OPQ, as the reef CLI and the sweep do
// (one thread per core); without it they would train, encode and search on one thread.
import { NodeWorkerPool } from '../../packages/kernels/dist/node.js';

export const pool = new NodeWorkerPool();
