/**
 * A compute pool on Web Workers (the `@reef/kernels/browser` entry). Its workers run a script the
 * app names (`workerUrl`) which calls `serveComputeTasks()`: a job names its task by module URL,
 * and the worker answers with the handler `computeTask` registered under that URL when the script
 * evaluated it (a bundle that includes the plugins), or else imports the module (ES modules served
 * as files). Either way the reply is what the single-thread pool would give.
 */
import { ReefError, registeredTaskHandler, type ComputeJob, type ComputePool, type ComputeRunOptions, type ComputeTask, type ComputeTaskHandler, type ReefErrorCode } from '@reef/core';
import { checkBatch, runInThread } from './single-thread-pool.js';

/** What the pool posts a worker; the marker tells it from the app's own messages. */
export interface WebPoolRequest {
  readonly reefComputeJob: true;
  readonly module: string;
  readonly job: unknown;
}

type WebPoolReply = { readonly reefComputeReply: true; readonly reply: unknown } | { readonly reefComputeReply: true; readonly error: { readonly message: string; readonly code?: string } };

export interface WebWorkerPoolOptions {
  /** The script each worker runs; it must call `serveComputeTasks()`. */
  readonly workerUrl: string | URL;
  /** 'module' for an ES-module worker script; default 'classic' (a bundled script). */
  readonly type?: 'classic' | 'module';
  /** Most workers one batch uses; default: navigator.hardwareConcurrency. */
  readonly threads?: number;
}

interface PooledWorker {
  readonly worker: Worker;
  onReply?: (reply: WebPoolReply) => void;
  onError?: (err: Error) => void;
}

export class WebWorkerPool implements ComputePool {
  readonly threads: number;
  /** Jobs answered by this pool's workers so far (jobs of one-thread batches run in the caller are not counted). */
  jobsInWorkers = 0;
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private closed = false;

  constructor(private readonly options: WebWorkerPoolOptions) {
    const threads = options.threads ?? (globalThis.navigator?.hardwareConcurrency || 1);
    if (!Number.isInteger(threads) || threads < 1) throw new ReefError('INVALID_PARAM', `WebWorkerPool: threads must be an integer ≥ 1, got ${threads}`);
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
    if (team <= 1) return runInThread(task, count, makeJob, onReply);
    const workers = Array.from({ length: team }, () => this.idle.pop() ?? this.spawn());
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
            w.onReply = undefined;
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
            this.jobsInWorkers++;
            if (++done === count) resolve();
            else send(w);
          };
          w.worker.postMessage({ reefComputeJob: true, module: task.module.href, job: job.job } satisfies WebPoolRequest, [...(job.transfer ?? [])]);
        };
        for (const w of workers) {
          w.onError = fail;
          send(w);
        }
      });
    } finally {
      for (const w of workers) {
        w.onError = undefined;
        // A worker still on a job of a failed batch is dropped: its late reply must reach no one.
        if (w.onReply) this.drop(w);
        else if (!this.closed) this.idle.push(w);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.all]) this.drop(w);
    this.idle.length = 0;
  }

  private spawn(): PooledWorker {
    const w: PooledWorker = { worker: new Worker(this.options.workerUrl, { type: this.options.type ?? 'classic' }) };
    w.worker.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as WebPoolReply | undefined;
      if (data?.reefComputeReply) w.onReply?.(data);
    });
    w.worker.addEventListener('error', (event: ErrorEvent) => {
      this.drop(w);
      w.onError?.(new Error(`compute pool: a worker failed: ${event.message || 'it could not start'}`));
    });
    this.all.add(w);
    return w;
  }

  private drop(w: PooledWorker): void {
    this.all.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    w.worker.terminate();
  }
}

/** True for a message a WebWorkerPool sent; a worker script with its own messages checks this first. */
export function isComputeJob(data: unknown): data is WebPoolRequest {
  return typeof data === 'object' && data !== null && (data as { reefComputeJob?: unknown }).reefComputeJob === true;
}

const imported = new Map<string, Promise<ComputeTaskHandler<unknown, unknown>>>();

async function handlerOf(module: string): Promise<ComputeTaskHandler<unknown, unknown>> {
  const registered = registeredTaskHandler(module);
  if (registered) return registered;
  let handler = imported.get(module);
  if (!handler) {
    handler = import(/* @vite-ignore */ module).then((m: { default?: ComputeTaskHandler<unknown, unknown> }) => {
      if (typeof m.default?.run !== 'function') throw new Error(`compute task module ${module} has no default export with run(job)`);
      return m.default;
    });
    imported.set(module, handler);
  }
  return handler;
}

/** Answers one job of a WebWorkerPool with the task's reply, or the error its handler threw. */
export async function answerComputeJob(request: WebPoolRequest, post: (message: unknown, transfer: Transferable[]) => void): Promise<void> {
  try {
    const handler = await handlerOf(request.module);
    const reply = await handler.run(request.job);
    post({ reefComputeReply: true, reply } satisfies WebPoolReply, handler.transfer?.(reply) ?? []);
  } catch (err) {
    const e = err as Error & { code?: string };
    post({ reefComputeReply: true, error: { message: e?.message ?? String(err), code: e?.code } } satisfies WebPoolReply, []);
  }
}

/** The worker side of a WebWorkerPool, for a script that does nothing else: answers every job it is sent. */
export function serveComputeTasks(scope: { addEventListener(type: 'message', fn: (e: MessageEvent) => void): void; postMessage(m: unknown, t: Transferable[]): void } = globalThis as never): void {
  scope.addEventListener('message', (event: MessageEvent) => {
    if (isComputeJob(event.data)) void answerComputeJob(event.data, (m, t) => scope.postMessage(m, t));
  });
}
