/**
 * PQ's compute task: the jobs parallel-training.ts spreads over a compute pool (training one
 * sub-space's k-means codebook, assigning one sub-space of a batch to its nearest centroids,
 * searching blocks of queries by ADC or by fast scan), each with exactly the arguments the single-threaded path would
 * use, so results are identical. Worker threads import this module (its default export is the
 * handler); a single-thread pool calls the same handler here. No Node APIs: it runs anywhere.
 */
import type { ComputeTaskHandler, Metric } from '@reef/core';
import { kmeans, nearestCentroidsFast } from '@reef/kernels';
import { ProductCodebooks } from './codebooks.js';
import { FastScanSearch } from './fast-scan-search.js';
import { CodeSearch } from './search.js';
import { splitDimensions } from './subspaces.js';

/** One sub-space's k-means. */
export interface SubspaceJob {
  readonly kind: 'train';
  readonly j: number;
  readonly data: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly niter: number;
  readonly seed: number;
  readonly init: 'random' | 'kmeans++';
  readonly initialCentroids?: Float32Array;
}

/** Nearest centroid of every point in one sub-space (encoding). */
export interface AssignJob {
  readonly kind: 'assign';
  readonly j: number;
  readonly data: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly centroids: Float32Array;
}

/**
 * Asymmetric top-k search, as sent to every worker of a team: all arrays live in shared memory, and
 * each worker claims blocks of `block` queries from the shared counter `next` until none are left,
 * writing their results straight into ids/scores (so a slow or late-starting worker simply takes
 * fewer blocks).
 */
export interface SearchJob {
  readonly kind: 'search';
  readonly j: number;
  readonly dim: number;
  readonly m: number;
  readonly nbits: number;
  readonly centroids: Float32Array;
  readonly codes: Uint8Array;
  readonly queries: Float32Array;
  readonly nq: number;
  readonly topk: number;
  readonly metric: Metric;
  readonly block: number;
  readonly next: Int32Array;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
}

/** Fast-scan top-k search of 4-bit codes, shared as SearchJob's: `blocked` holds the codes in blocks of 32. */
export interface FastScanJob extends Omit<SearchJob, 'kind' | 'nbits'> {
  readonly kind: 'fast-scan';
  readonly blocked: Uint8Array;
  readonly kFactor: number;
}

export type PqJob = SubspaceJob | AssignJob | SearchJob | FastScanJob;

export type PqReply =
  | { readonly j: number; readonly centroids: Float32Array; readonly warnings: string[] }
  | { readonly j: number; readonly labels: Int32Array }
  | { readonly j: number; readonly searched: number };

async function run(job: PqJob): Promise<PqReply> {
  if (job.kind === 'fast-scan') {
    const books = new ProductCodebooks(splitDimensions(job.dim, job.m), 4, job.centroids);
    const search = new FastScanSearch(books, job.codes, job.blocked);
    let searched = 0;
    for (;;) {
      const q0 = Atomics.add(job.next, 0, 1) * job.block;
      if (q0 >= job.nq) break;
      const q1 = Math.min(job.nq, q0 + job.block);
      search.searchRange(job.queries, q0, q1, job.topk, job.kFactor, job.metric, job.ids, job.scores);
      searched += q1 - q0;
    }
    return { j: job.j, searched };
  }
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
    return { j: job.j, searched };
  }
  if (job.kind === 'assign') {
    const { labels } = nearestCentroidsFast(job.data, job.n, job.d, job.centroids, job.k);
    return { j: job.j, labels };
  }
  const warnings: string[] = [];
  const result = await kmeans(job.data, job.n, job.d, job.k, {
    niter: job.niter,
    seed: job.seed,
    init: job.init,
    initialCentroids: job.initialCentroids,
    assign: (x, n, d, c, k) => nearestCentroidsFast(x, n, d, c, k),
    onWarning: (w) => warnings.push(w),
  });
  return { j: job.j, centroids: result.centroids, warnings };
}

export const pqJobHandler: ComputeTaskHandler<PqJob, PqReply> = {
  run,
  // Results go back by move; search results are already in shared memory.
  transfer: (reply) => ('centroids' in reply ? [reply.centroids.buffer as ArrayBuffer] : 'labels' in reply ? [reply.labels.buffer as ArrayBuffer] : []),
};
export default pqJobHandler;
