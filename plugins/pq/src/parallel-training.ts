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

/** Asymmetric top-k search of a block of queries against all codes, as sent to a worker. */
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
}

export type WorkerJob = SubspaceJob | AssignJob | SearchJob;

export type SubspaceReply =
  | { readonly j: number; readonly centroids: Float32Array; readonly warnings: string[] }
  | { readonly j: number; readonly labels: Int32Array }
  | { readonly j: number; readonly ids: Int32Array; readonly scores: Float32Array }
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

/** Fewest queries per worker job in batch search: enough to amortise sending the codes. */
const MIN_QUERIES_PER_JOB = 64;

/**
 * Top-k asymmetric search of nq queries (row-major) against n codes, query blocks spread over
 * worker threads. Undefined when worker threads are unavailable.
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
  const ids = new Int32Array(nq * topk);
  const scores = new Float32Array(nq * topk);
  // About two jobs per thread: each job copies the codes and codebooks to its worker once.
  const team = threads === 0 ? (await import('node:os')).availableParallelism() : threads;
  const perJob = Math.max(MIN_QUERIES_PER_JOB, Math.ceil(nq / (2 * team)));
  const blocks = Math.ceil(nq / perJob);
  const ran = await runJobs(
    blocks,
    threads,
    (j) => {
      const q0 = j * perJob;
      const q1 = Math.min(nq, q0 + perJob);
      const block = queries.slice(q0 * dim, q1 * dim);
      const job: SearchJob = { kind: 'search', j, dim, m, nbits: books.nbits, centroids: books.centroids, codes, queries: block, nq: q1 - q0, topk, metric };
      return { job, transfer: [block.buffer] as ArrayBuffer[] };
    },
    (reply) => {
      if (!('ids' in reply)) return;
      ids.set(reply.ids, reply.j * perJob * topk);
      scores.set(reply.scores, reply.j * perJob * topk);
    },
  );
  return ran ? { ids, scores } : undefined;
}
