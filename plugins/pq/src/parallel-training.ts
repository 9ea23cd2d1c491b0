/**
 * PQ's work spread over a compute pool (the host's COMPUTE_POOL service, e.g. worker threads):
 * training, assignment and search, split into independent jobs whose results are identical to
 * the single-threaded path's. Each function returns undefined when the pool has one thread, or for
 * threads = 0 (automatic) when the job is too small to gain from more, so the caller works alone.
 */
import { computeTask, type ComputePool, type ComputeTask, type Metric } from '@reef/core';
import { blockCodes, packRows } from '@reef/kernels';
import type { ProductCodebooks } from './codebooks.js';
import type { FastScanBatch } from './fast-scan-search.js';
import { extractSubspace, type SubspaceLayout } from './subspaces.js';
import { pqJobHandler, type AssignJob, type PqJob, type PqReply, type SubspaceJob } from './training-worker.js';

/** The compute task: workers import training-worker.js from this package's dist. */
const PQ_TASK: ComputeTask<PqJob, PqReply> = computeTask(new URL('./training-worker.js', import.meta.url), pqJobHandler);

/** Below this many multiply-adds (n × dim × K × niter) threads cost more than they save. */
const MIN_PARALLEL_WORK = 2e8;

/** Threads for a batch: 0 means all of the pool's. */
function teamSize(pool: ComputePool, threads: number): number {
  return threads === 0 ? pool.threads : Math.min(threads, pool.threads);
}

/** What sub-space training needs to know, besides the data (CodebookTrainingOptions' fields). */
export interface SubspaceTrainingOptions {
  readonly nbits: number;
  readonly niter: number;
  readonly seed: number;
  readonly init: 'random' | 'kmeans++';
  readonly initialCentroids?: Float32Array;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Trains the sub-space codebooks on the pool, one sub-space per job (they are independent), each
 * with the sequential path's arguments: the result is identical, only faster.
 */
export async function trainCodebooksInWorkers(
  pool: ComputePool,
  x: Float32Array,
  n: number,
  layout: SubspaceLayout,
  options: SubspaceTrainingOptions,
  threads: number,
): Promise<Float32Array | undefined> {
  const k = 2 ** options.nbits;
  // Automatic threading skips small jobs; an explicit thread count is obeyed.
  if (teamSize(pool, threads) <= 1 || (threads === 0 && n * layout.dim * k * options.niter < MIN_PARALLEL_WORK)) return undefined;
  const { m, offsets } = layout;
  const centroids = new Float32Array(k * layout.dim);
  const warned = new Set<string>();
  let done = 0;
  await pool.run(
    PQ_TASK,
    m,
    (j) => {
      const d = offsets[j + 1] - offsets[j];
      const data = extractSubspace(x, n, layout, j);
      const start = k * offsets[j];
      const initial = options.initialCentroids?.slice(start, start + k * d);
      const job: SubspaceJob = { kind: 'train', j, data, n, d, k, niter: options.niter, seed: options.seed, init: options.init, initialCentroids: initial };
      return { job, transfer: (initial ? [data.buffer, initial.buffer] : [data.buffer]) as ArrayBuffer[] };
    },
    (reply) => {
      if (!('centroids' in reply)) return;
      centroids.set(reply.centroids, k * offsets[reply.j]);
      for (const w of reply.warnings) {
        if (!warned.has(w)) options.onWarning?.(w);
        warned.add(w);
      }
      options.onProgress?.(++done / m);
    },
    { threads: teamSize(pool, threads) },
  );
  return centroids;
}

/** Nearest centroids of n vectors in every sub-space (n × m labels, as ProductCodebooks.assign), one sub-space per job. */
export async function assignInWorkers(pool: ComputePool, books: ProductCodebooks, x: Float32Array, n: number, threads: number): Promise<Int32Array | undefined> {
  const { m, offsets } = books.layout;
  if (teamSize(pool, threads) <= 1 || (threads === 0 && n * books.layout.dim * books.k < MIN_PARALLEL_WORK / 4)) return undefined;
  const labels = new Int32Array(n * m);
  await pool.run(
    PQ_TASK,
    m,
    (j) => {
      const d = offsets[j + 1] - offsets[j];
      const data = extractSubspace(x, n, books.layout, j);
      const centroids = books.codebook(j).slice();
      const job: AssignJob = { kind: 'assign', j, data, n, d, k: books.k, centroids };
      return { job, transfer: [data.buffer, centroids.buffer] as ArrayBuffer[] };
    },
    (reply) => {
      if (!('labels' in reply)) return;
      for (let i = 0; i < n; i++) labels[i * m + reply.j] = reply.labels[i];
    },
    { threads: teamSize(pool, threads) },
  );
  return labels;
}

/**
 * Top-k asymmetric search of nq queries on the pool, with the sequential path's results. Queries,
 * codes and results go into shared memory once (not one copy per job), and the workers claim
 * small blocks of queries from a shared counter, so the load balances itself.
 */
export async function searchInWorkers(
  pool: ComputePool,
  books: ProductCodebooks,
  queries: Float32Array,
  nq: number,
  codes: Uint8Array,
  topk: number,
  metric: Metric,
  threads: number,
): Promise<{ ids: Int32Array; scores: Float32Array } | undefined> {
  const { dim, m } = books.layout;
  const team = teamSize(pool, threads);
  if (team <= 1 || (threads === 0 && nq * (codes.length / books.codeSize) * m < 1e7)) return undefined;
  const shared = <T>(Ctor: new (buffer: SharedArrayBuffer) => T, bytes: number): T => new Ctor(new SharedArrayBuffer(bytes));
  const sharedQueries = shared(Float32Array, 4 * nq * dim);
  sharedQueries.set(queries.subarray(0, nq * dim));
  const sharedCodes = shared(Uint8Array, codes.length);
  sharedCodes.set(codes);
  const ids = shared(Int32Array, 4 * nq * topk);
  const scores = shared(Float32Array, 4 * nq * topk);
  const next = shared(Int32Array, 4);
  // Blocks small enough to balance the load, large enough that claiming one costs nothing.
  const block = Math.max(1, Math.min(16, Math.ceil(nq / (8 * team))));
  const job = (j: number): PqJob => ({
    kind: 'search', j, dim, m, nbits: books.nbits, centroids: books.centroids, codes: sharedCodes, queries: sharedQueries, nq, topk, metric, block, next, ids, scores,
  });
  await pool.run(PQ_TASK, Math.min(team, Math.ceil(nq / block)), (j) => ({ job: job(j) }), () => {}, { threads: team });
  // Plain (unshared) copies: what callers of the sequential path get.
  return { ids: ids.slice(), scores: scores.slice() };
}

/**
 * Fast-scan top-k (FastScanQuantizer.searchBatch) on the pool, shared and balanced as
 * searchInWorkers: the codes are blocked once, into shared memory, for every worker to scan.
 */
export async function fastScanInWorkers(pool: ComputePool, batch: FastScanBatch, threads: number): Promise<{ ids: Int32Array; scores: Float32Array } | undefined> {
  const { books, nq, n, topk, codes } = batch;
  const { dim, m } = books.layout;
  const team = teamSize(pool, threads);
  if (team <= 1 || (threads === 0 && nq * n * m < 2e7)) return undefined;
  const shared = <T>(Ctor: new (buffer: SharedArrayBuffer) => T, bytes: number): T => new Ctor(new SharedArrayBuffer(bytes));
  const queries = shared(Float32Array, 4 * nq * dim);
  queries.set(batch.queries.subarray(0, nq * dim));
  const sharedCodes = shared(Uint8Array, codes.length);
  sharedCodes.set(codes);
  const blocked = blockCodes(codes, n, m, shared(Uint8Array, Math.ceil(n / 32) * m * 16));
  const ids = shared(Int32Array, 4 * nq * topk);
  const scores = shared(Float32Array, 4 * nq * topk);
  const next = shared(Int32Array, 4);
  const block = Math.max(1, Math.min(32, Math.ceil(nq / (8 * team))));
  const job = (j: number): PqJob => ({
    kind: 'fast-scan', j, dim, m, centroids: books.centroids, codes: sharedCodes, blocked, queries, nq, topk, kFactor: batch.kFactor, metric: batch.metric, block, next, ids, scores,
  });
  await pool.run(PQ_TASK, Math.min(team, Math.ceil(nq / block)), (j) => ({ job: job(j) }), () => {}, { threads: team });
  return { ids: ids.slice(), scores: scores.slice() };
}

/** books.assign() with the sub-spaces spread over the pool where that pays (the same labels). */
export async function assignOnPool(pool: ComputePool | undefined, books: ProductCodebooks, x: Float32Array, n: number, threads: number): Promise<Int32Array> {
  return (threads !== 1 && pool && (await assignInWorkers(pool, books, x, n, threads))) || books.assign(x, n);
}

/** books.encode() with the sub-spaces spread over the pool where that pays (the same codes). */
export async function encodeOnPool(pool: ComputePool | undefined, books: ProductCodebooks, x: Float32Array, n: number, threads: number): Promise<Uint8Array> {
  return packRows(await assignOnPool(pool, books, x, n, threads), n, books.m, books.nbits);
}
