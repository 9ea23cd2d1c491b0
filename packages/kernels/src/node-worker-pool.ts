/**
 * A compute pool on Node worker threads (the `@reef/kernels/node` entry; the main entry stays free
 * of node: imports). Workers run node-pool-worker.js, which imports a task's module and calls its
 * handler, so a reply is what the single-thread pool would give, only computed elsewhere.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ReefError, type ComputeJob, type ComputePool, type ComputeRunOptions, type ComputeTask, type ReefErrorCode } from '@reef/core';
import { checkBatch, runInThread } from './single-thread-pool.js';

/** What the pool sends a worker: the task's module (as a URL string) and one job. */
export interface PoolRequest {
  readonly module: string;
  readonly job: unknown;
}

export type PoolReply = { readonly reply: unknown } | { readonly error: { readonly message: string; readonly code?: string } };

export interface NodeWorkerPoolOptions {
  /** Most workers one batch uses; default: one per core (os.availableParallelism()). */
  readonly threads?: number;
}

interface PooledWorker {
  readonly worker: Worker;
  /** A job was sent and its reply has not come back yet. */
  busy: boolean;
  /** The batch this worker works for, while it works for one. */
  onReply?: (reply: PoolReply) => void;
  onError?: (err: Error) => void;
}

const WORKER_SCRIPT = new URL('./node-pool-worker.js', import.meta.url);

/**
 * A module a worker cannot import: a file: URL with no file behind it (a .js module named next to
 * TypeScript sources under a test runner), or TypeScript itself.
 */
function notImportable(url: URL): boolean {
  return url.protocol === 'file:' && (/\.[cm]?ts$/.test(url.pathname) || !existsSync(fileURLToPath(url)));
}

export class NodeWorkerPool implements ComputePool {
  readonly threads: number;
  /** Workers kept between batches (starting one costs tens of milliseconds); unref'd while idle. */
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private closed = false;

  constructor(options: NodeWorkerPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new ReefError('INVALID_PARAM', `NodeWorkerPool: threads must be an integer ≥ 1, got ${threads}`);
    this.threads = threads;
  }

  async run<J, R>(
    task: ComputeTask<J, R>,
    count: number,
    makeJob: (index: number) => ComputeJob<J>,
    onReply: (reply: R, index: number) => void,
    options: ComputeRunOptions = {},
  ): Promise<void> {
    if (this.closed) throw new ReefError('UNSUPPORTED', 'compute pool: this pool was closed; create a new one');
    checkBatch(task, count);
    const requested = options.threads || this.threads;
    if (!Number.isInteger(requested) || requested < 0) throw new ReefError('INVALID_PARAM', `compute pool: threads must be an integer ≥ 0, got ${options.threads}`);
    const team = Math.min(requested, this.threads, count);
    // One job at a time, or no compiled worker script or task module (TypeScript sources): here.
    if (team <= 1 || notImportable(WORKER_SCRIPT) || notImportable(task.module)) return runInThread(task, count, makeJob, onReply);
    const module = task.module.href;
    const workers = Array.from({ length: team }, () => this.acquire());
    let next = 0;
    let done = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (err: Error): void => {
          failed = true;
          reject(err);
        };
        const send = (w: PooledWorker): void => {
          if (failed || next >= count) return;
          const index = next++;
          let job: ComputeJob<J>;
          try {
            job = makeJob(index);
          } catch (err) {
            fail(err as Error);
            return;
          }
          w.onReply = (message) => {
            if (failed) return;
            if ('error' in message) {
              const { code, message: text } = message.error;
              fail(code ? new ReefError(code as ReefErrorCode, text) : new Error(text));
              return;
            }
            try {
              onReply(message.reply as R, index);
            } catch (err) {
              fail(err as Error);
              return;
            }
            if (++done === count) resolve();
            else send(w);
          };
          w.busy = true;
          w.worker.postMessage({ module, job: job.job } satisfies PoolRequest, [...(job.transfer ?? [])]);
        };
        for (const w of workers) {
          w.onError = fail;
          send(w);
        }
      });
    } finally {
      for (const w of workers) this.release(w);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /** An idle worker, or a new one. Kept referenced while it works, so the process waits for it. */
  private acquire(): PooledWorker {
    const w = this.idle.pop() ?? this.spawn();
    w.worker.ref();
    return w;
  }

  private release(w: PooledWorker): void {
    w.onError = undefined;
    // After a failed batch a worker may still be on a job: idle once its (stale) reply is in.
    w.onReply = w.busy ? () => this.release(w) : undefined;
    if (w.busy || !this.all.has(w)) return; // busy, dead, or the pool closed
    w.worker.unref();
    this.idle.push(w);
  }

  private spawn(): PooledWorker {
    const w: PooledWorker = { worker: new Worker(WORKER_SCRIPT), busy: false };
    w.worker.on('message', (reply: PoolReply) => {
      w.busy = false;
      w.onReply?.(reply);
    });
    const drop = (err: Error): void => {
      this.all.delete(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      w.onError?.(err);
    };
    w.worker.on('error', drop);
    w.worker.on('exit', (code) => {
      if (this.all.has(w)) drop(new Error(`compute pool: a worker thread exited (code ${code}) during a job`));
    });
    this.all.add(w);
    return w;
  }
}
