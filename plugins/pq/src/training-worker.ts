/**
 * Worker-thread side of parallel codebook training: trains the k-means codebook of one sub-space
 * per message, with exactly the arguments the sequential path would use, so results are identical.
 */
import { parentPort } from 'node:worker_threads';
import { kmeans, nearestCentroidsFast } from '@reef/kernels';
import type { SubspaceJob, SubspaceReply } from './parallel-training.js';

const port = parentPort;
if (!port) throw new Error('training-worker.js must run in a worker thread');

port.on('message', (job: SubspaceJob) => {
  const warnings: string[] = [];
  kmeans(job.data, job.n, job.d, job.k, {
    niter: job.niter,
    seed: job.seed,
    init: job.init,
    initialCentroids: job.initialCentroids,
    assign: (x, n, d, c, k) => nearestCentroidsFast(x, n, d, c, k),
    onWarning: (w) => warnings.push(w),
  }).then(
    (result) => port.postMessage({ j: job.j, centroids: result.centroids, warnings } satisfies SubspaceReply, [result.centroids.buffer as ArrayBuffer]),
    (err: Error & { code?: string }) => port.postMessage({ j: job.j, error: { message: err.message, code: err.code } } satisfies SubspaceReply),
  );
});
