import { ReefError, type Metric, type ReefErrorCode } from '@reef/core';
import type { CodebookTrainingOptions } from './training.js';
import type { ProductCodebooks } from './codebooks.js';
import { extractSubspace, type SubspaceLayout } from './subspaces.js';

/** One sub-space's k-means, as sent to a worker. */
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

/** Nearest centroid of every point in one sub-space (encoding), as sent to a worker. */
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

/** Rows of a matrix product x · r, as sent to a worker: x's rows and r transposed (b × a). */
export interface MultiplyJob {
  readonly kind: 'multiply';
  readonly j: number;
  readonly x: Float32Array;
  readonly rows: number;
  readonly a: number;
  readonly rt: Float32Array;
  readonly b: number;
}

export type WorkerJob = SubspaceJob | AssignJob | SearchJob | MultiplyJob;

export type SubspaceReply =
  | { readonly j: number; readonly centroids: Float32Array; readonly warnings: string[] }
  | { readonly j: number; readonly labels: Int32Array }
  | { readonly j: number; readonly searched: number }
  | { readonly j: number; readonly product: Float32Array }
  | { readonly j: number; readonly error: { message: string; code?: string } };

/** Node's worker_threads and the compiled worker script, or undefined (browsers, running from sources). */
async function workerSupport(): Promise<{ Worker: typeof import('node:worker_threads').Worker; script: URL } | undefined> {
  try {
    const [{ Worker }, { existsSync }, { fileURLToPath }] = await Promise.all([import('node:worker_threads'), import('node:fs'), import('node:url')]);
    const script = new URL('./training-worker.js', import.meta.url);
    // Under a TypeScript test runner this module is the .ts source and there is no .js beside it.
    if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
    return { Worker, script };
  } catch {
    return undefined;
  }
}

type WorkerCtor = typeof import('node:worker_threads').Worker;
type PooledWorker = InstanceType<WorkerCtor>;

/**
 * Workers are kept between calls (OPQ trains codebooks every round; starting a worker costs tens of
 * milliseconds) and unref'd so they never keep the process alive.
 */
const pool: PooledWorker[] = [];

function workers(support: { Worker: WorkerCtor; script: URL }, count: number): PooledWorker[] {
  while (pool.length < count) {
    const worker = new support.Worker(support.script);
    worker.unref();
    worker.on('error', () => pool.splice(pool.indexOf(worker), 1));
    pool.push(worker);
  }
  return pool.slice(0, count);
}

/** Below this many multiply-adds (n × dim × K × niter) threads cost more than they save. */
const MIN_PARALLEL_WORK = 2e8;

/**
 * Runs `count` independent jobs on `threads` pooled workers, a new one as each finishes, and hands
 * every reply to `onReply`. Returns false when worker threads are unavailable.
 */
async function runJobs(
  count: number,
  threads: number,
  makeJob: (j: number) => { job: WorkerJob; transfer: ArrayBuffer[] },
  onReply: (reply: SubspaceReply) => void,
): Promise<boolean> {
  const support = await workerSupport();
  if (!support) return false;
  if (threads === 0) threads = (await import('node:os')).availableParallelism();
  if (threads <= 1) return false;
  if (count === 0) return true; // nothing to wait for (no reply would ever settle the promise)
  const team = workers(support, Math.min(threads, count));
  const listeners = new Map<PooledWorker, { message: (r: SubspaceReply) => void; error: (e: Error) => void }>();
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const send = (worker: PooledWorker): void => {
        if (next >= count) return;
        const { job, transfer } = makeJob(next++);
        worker.postMessage(job, transfer);
      };
      for (const worker of team) {
        const message = (reply: SubspaceReply): void => {
          if ('error' in reply) {
            reject(new ReefError((reply.error.code as ReefErrorCode) ?? 'INVALID_PARAM', reply.error.message));
            return;
          }
          onReply(reply);
          done++;
          if (done === count) resolve();
          else send(worker);
        };
        listeners.set(worker, { message, error: reject });
        worker.on('message', message);
        worker.on('error', reject);
        send(worker);
      }
    });
  } finally {
    for (const [worker, l] of listeners) {
      worker.off('message', l.message);
      worker.off('error', l.error);
    }
  }
  return true;
}

/**
 * Trains the sub-space codebooks on `threads` worker threads, one sub-space per job (they are
 * independent), each with the sequential path's arguments: the result is identical, only faster.
 * Returns undefined when worker threads are unavailable, or for threads = 0 (automatic) when the
 * job is too small to gain from them, so the caller trains sequentially.
 */
export async function trainCodebooksInWorkers(
  x: Float32Array,
  n: number,
  layout: SubspaceLayout,
  options: CodebookTrainingOptions,
  threads: number,
): Promise<Float32Array | undefined> {
  const k = 2 ** options.nbits;
  // Automatic threading skips small jobs; an explicit thread count is obeyed.
  if (threads === 0 && n * layout.dim * k * options.niter < MIN_PARALLEL_WORK) return undefined;
  const { m, offsets } = layout;
  const centroids = new Float32Array(k * layout.dim);
  const warned = new Set<string>();
  let done = 0;
  const ran = await runJobs(
    m,
    threads,
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
  );
  return ran ? centroids : undefined;
}

/**
 * Nearest centroids of n vectors in every sub-space (n × m labels, as ProductCodebooks.assign),
 * one sub-space per worker job. Undefined when worker threads are unavailable or not worth it.
 */
export async function assignInWorkers(books: ProductCodebooks, x: Float32Array, n: number, threads: number): Promise<Int32Array | undefined> {
  const { m, offsets } = books.layout;
  if (threads === 0 && n * books.layout.dim * books.k < MIN_PARALLEL_WORK / 4) return undefined;
  const labels = new Int32Array(n * m);
  const ran = await runJobs(
    m,
    threads,
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
  );
  return ran ? labels : undefined;
}

/**
 * Top-k asymmetric search of nq queries on `threads` worker threads (0: one per core), with the
 * sequential path's results. Queries, codes and results go into shared memory once (not one copy
 * per job), and the workers claim small blocks of queries from a shared counter, so the load
 * balances itself. Returns undefined when worker threads are unavailable, or for threads = 0 when
 * the search is too small to gain from them, so the caller searches sequentially.
 */
export async function searchInWorkers(
  books: ProductCodebooks,
  queries: Float32Array,
  nq: number,
  codes: Uint8Array,
  topk: number,
  metric: Metric,
  threads: number,
): Promise<{ ids: Int32Array; scores: Float32Array } | undefined> {
  const { dim, m } = books.layout;
  if (threads === 0 && nq * (codes.length / books.codeSize) * m < 1e7) return undefined;
  const team = threads === 0 ? (await import('node:os')).availableParallelism() : threads;
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
  const job = (j: number): SearchJob => ({
    kind: 'search', j, dim, m, nbits: books.nbits, centroids: books.centroids, codes: sharedCodes, queries: sharedQueries, nq, topk, metric, block, next, ids, scores,
  });
  const ran = await runJobs(Math.min(team, Math.ceil(nq / block)), threads, (j) => ({ job: job(j), transfer: [] }), () => {});
  // Plain (unshared) copies: what callers of the sequential path get.
  return ran ? { ids: ids.slice(), scores: scores.slice() } : undefined;
}

/**
 * x (n × a) · r (a × b) on `threads` worker threads (0: one per core), row blocks in parallel,
 * each row exactly as multiplyFast computes it (a row's result does not depend on which rows share
 * its call). Written into `out` and returned; undefined when worker threads are unavailable, or for
 * threads = 0 when the product is too small to gain from them.
 */
export async function multiplyInWorkers(
  x: Float32Array,
  n: number,
  a: number,
  r: Float32Array,
  b: number,
  threads: number,
  out: Float32Array = new Float32Array(n * b),
): Promise<Float32Array | undefined> {
  if (threads === 0 && n * a * b < MIN_PARALLEL_WORK) return undefined;
  // Transposed once, so that every output is a dot product of two contiguous rows.
  const rt = new Float32Array(a * b);
  for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) rt[q * a + p] = r[p * b + q];
  const team = threads === 0 ? (await import('node:os')).availableParallelism() : threads;
  // A few blocks per thread, so a thread slowed by other work takes fewer.
  const blocks = Math.min(n, 3 * team);
  const rowsPer = Math.ceil(n / blocks);
  const count = Math.ceil(n / rowsPer);
  const ran = await runJobs(
    count,
    threads,
    (j) => {
      const rows = Math.min(rowsPer, n - j * rowsPer);
      const block = x.slice(j * rowsPer * a, (j * rowsPer + rows) * a);
      const job: MultiplyJob = { kind: 'multiply', j, x: block, rows, a, rt: rt.slice(), b };
      return { job, transfer: [block.buffer, job.rt.buffer] as ArrayBuffer[] };
    },
    (reply) => {
      if ('product' in reply) out.set(reply.product, reply.j * rowsPer * b);
    },
  );
  return ran ? out : undefined;
}
