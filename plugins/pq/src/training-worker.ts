/**
 * Worker-thread side of parallel PQ work: per message, trains the k-means codebook of one sub-space
 * or assigns one sub-space of a batch to its nearest centroids, with exactly the arguments the
 * single-threaded path would use, so results are identical.
 */
import { parentPort } from 'node:worker_threads';
import { kmeans, nearestCentroidsFast } from '@reef/kernels';
import { ProductCodebooks } from './codebooks.js';
import type { SubspaceReply, WorkerJob } from './parallel-training.js';
import { searchSequential } from './search.js';
import { splitDimensions } from './subspaces.js';

const port = parentPort;
if (!port) throw new Error('training-worker.js must run in a worker thread');

port.on('message', (job: WorkerJob) => {
  if (job.kind === 'search') {
    const books = new ProductCodebooks(splitDimensions(job.dim, job.m), job.nbits, job.centroids);
    const { ids, scores } = searchSequential(books, job.queries, job.nq, job.codes, job.topk, job.metric);
    port.postMessage({ j: job.j, ids, scores } satisfies SubspaceReply, [ids.buffer as ArrayBuffer, scores.buffer as ArrayBuffer]);
    return;
  }
  if (job.kind === 'assign') {
    const { labels } = nearestCentroidsFast(job.data, job.n, job.d, job.centroids, job.k);
    port.postMessage({ j: job.j, labels } satisfies SubspaceReply, [labels.buffer as ArrayBuffer]);
    return;
  }
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
