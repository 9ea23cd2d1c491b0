/**
 * Worker-thread side of parallel PQ work: per message, trains the k-means codebook of one sub-space,
 * assigns one sub-space of a batch to its nearest centroids, multiplies a block of rows by a matrix,
 * or searches blocks of queries, with exactly the arguments the single-threaded path would use, so
 * results are identical.
 */
import { parentPort } from 'node:worker_threads';
import { kmeans, multiplyTransposedFast, nearestCentroidsFast } from '@reef/kernels';
import { ProductCodebooks } from './codebooks.js';
import type { SubspaceReply, WorkerJob } from './parallel-training.js';
import { CodeSearch } from './search.js';
import { splitDimensions } from './subspaces.js';

const port = parentPort;
if (!port) throw new Error('training-worker.js must run in a worker thread');

port.on('message', (job: WorkerJob) => {
  if (job.kind === 'search') {
    const books = new ProductCodebooks(splitDimensions(job.dim, job.m), job.nbits, job.centroids);
    const search = new CodeSearch(books, job.codes);
    let searched = 0;
    for (;;) {
      const q0 = Atomics.add(job.next, 0, 1) * job.block;
      if (q0 >= job.nq) break;
      const q1 = Math.min(job.nq, q0 + job.block);
      search.searchRange(job.queries, q0, q1, job.topk, job.metric, job.ids, job.scores);
      searched += q1 - q0;
    }
    port.postMessage({ j: job.j, searched } satisfies SubspaceReply);
    return;
  }
  if (job.kind === 'multiply') {
    const product = multiplyTransposedFast(job.x, job.rows, job.a, job.rt, job.b);
    port.postMessage({ j: job.j, product } satisfies SubspaceReply, [product.buffer as ArrayBuffer]);
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
