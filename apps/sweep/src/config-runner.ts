import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Params } from '@reef/core';
import type { NodeRegistryOptions } from '@reef/core/node';
import type { Dataset } from '@reef/datasets';
import type { FromWorker, ToWorker } from './measure-worker.js';
import { APP_DIR } from './provenance.js';
import type { Metrics } from './schema.js';

/** The built worker: tests run the sources through vitest, but a worker thread needs plain JS. */
const WORKER_FILE = join(APP_DIR, 'dist', 'measure-worker.js');
/** How often the main thread samples the process's resident memory while a configuration runs. */
const RSS_SAMPLE_MS = 20;

export type RunOutcome =
  | { readonly kind: 'ok'; readonly metrics: Metrics }
  | { readonly kind: 'failed'; readonly reason: string }
  /** Stopped before it finished (Ctrl-C, SIGTERM or the time budget): nothing to record. */
  | { readonly kind: 'abandoned' };

export interface ConfigJob {
  readonly dataset: Dataset;
  readonly pluginId: string;
  readonly packageName?: string;
  readonly params: Params;
  readonly seed: number;
}

/**
 * Runs one configuration at a time in a worker thread. `abandon()` terminates the worker, which
 * stops even a synchronous fit at once; the next job starts a fresh worker.
 */
export class ConfigRunner {
  private worker: Worker | undefined;
  private sent = new WeakSet<Dataset>();
  private readonly ids = new WeakMap<Dataset, string>();
  private nextId = 0;
  private settle: ((outcome: RunOutcome) => void) | undefined;

  constructor(private readonly registryOptions: NodeRegistryOptions) {}

  private start(): Worker {
    const worker = new Worker(WORKER_FILE, { workerData: this.registryOptions });
    worker.on('error', (err) => this.finish({ kind: 'failed', reason: `worker error: ${String(err?.stack ?? err).split('\n').slice(0, 3).join(' | ')}` }));
    worker.on('exit', () => {
      if (this.worker !== worker) return; // abandoned or closed: already settled
      this.worker = undefined;
      this.sent = new WeakSet();
      this.finish({ kind: 'failed', reason: 'the measuring worker exited unexpectedly (out of memory?)' });
    });
    return worker;
  }

  private finish(outcome: RunOutcome): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(outcome);
  }

  run(job: ConfigJob, onPhase: (phase: string, fraction?: number) => void): Promise<RunOutcome> {
    if (this.settle) throw new Error('ConfigRunner runs one configuration at a time');
    this.worker ??= this.start();
    const worker = this.worker;
    if (!this.sent.has(job.dataset)) {
      if (!this.ids.has(job.dataset)) this.ids.set(job.dataset, `d${this.nextId++}`);
      worker.postMessage({ type: 'dataset', id: this.ids.get(job.dataset)!, dataset: job.dataset } satisfies ToWorker);
      this.sent.add(job.dataset);
    }
    const outcome = new Promise<RunOutcome>((resolve) => {
      this.settle = resolve;
    });
    const onMessage = (msg: FromWorker): void => {
      if (msg.type === 'phase') onPhase(msg.phase, msg.fraction);
      else this.finish(msg.type === 'done' ? { kind: 'ok', metrics: msg.metrics } : { kind: 'failed', reason: msg.reason });
    };
    worker.on('message', onMessage);
    // The main thread is idle meanwhile: it samples resident memory, so each configuration gets its
    // own peak rather than the process's high-water mark over the whole sweep.
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, RSS_SAMPLE_MS);
    worker.postMessage({ type: 'run', datasetId: this.ids.get(job.dataset)!, pluginId: job.pluginId, packageName: job.packageName, params: job.params, seed: job.seed } satisfies ToWorker);
    return outcome
      .then((o): RunOutcome => {
        if (o.kind !== 'ok') return o;
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
        return { kind: 'ok', metrics: { ...o.metrics, peak_rss_mb: peakRss / (1024 * 1024) } };
      })
      .finally(() => {
        clearInterval(sampler);
        worker.off('message', onMessage);
      });
  }

  /** Stops the running configuration now; its run() resolves as abandoned. */
  abandon(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.sent = new WeakSet();
    this.finish({ kind: 'abandoned' });
    void worker.terminate();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
