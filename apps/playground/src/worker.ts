/// <reference lib="webworker" />
import { configName, resolveParams, ReefError, type Metric, type Vectors } from '@reef/core';
import { loadModelBytes, saveModelBytes } from '@reef/hdf5/browser';
import { WebWorkerPool, wasmKernelsAvailable } from '@reef/kernels/browser';
import { measureQuantizer, type MeasuredData } from '@reef/metrics';
import { datasetFromBytes } from './dataset.js';
import type { EncodeRequest, RunRequest, SearchRequest, WorkerMessage, WorkerRequest } from './protocol.js';
import { createRegistry } from './registry.js';

/**
 * One run in a Web Worker: reads the dataset, then fits, encodes, decodes and searches with
 * `@reef/metrics`' measureQuantizer (what the sweep and `reef demo` measure with), and sends back
 * the measurements, the model file and the codes. The page cancels a run by terminating its worker.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Where each phase of measureQuantizer starts on the progress bar (fit takes most of the time). */
const PHASE_START: Record<string, number> = { fit: 0.05, encode: 0.7, decode: 0.78, metrics: 0.83, search: 0.88 };

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function progressOf(phase: string): number {
  const fit = /^fit (\d+)%$/.exec(phase);
  if (fit) return PHASE_START.fit + (PHASE_START.encode - PHASE_START.fit) * (Number(fit[1]) / 100);
  return PHASE_START[phase] ?? 0;
}

async function run(request: RunRequest): Promise<void> {
  post({ type: 'progress', phase: 'reading dataset', fraction: 0 });
  const data = await datasetFromBytes(request.dataset.name, request.dataset.bytes);
  const pool = (request.threads ?? 1) > 1 && request.poolWorkerUrl ? new WebWorkerPool({ workerUrl: request.poolWorkerUrl, threads: request.threads }) : undefined;
  try {
    await measure(request, data, pool);
  } finally {
    await pool?.close();
  }
}

async function measure(request: RunRequest, data: MeasuredData, pool: WebWorkerPool | undefined): Promise<void> {
  const plugin = createRegistry(pool).quantizer(request.pluginId);
  const params = resolveParams(plugin.id, plugin.params, request.params);
  const invalid = plugin.validate?.(params, data.base.dim);
  if (invalid) throw new ReefError('INVALID_PARAM', `${plugin.id}: ${invalid}`);
  const quantizer = plugin.create(params);
  const measurement = await measureQuantizer(quantizer, data, {
    seed: request.seed,
    onPhase: (phase) => post({ type: 'progress', phase, fraction: progressOf(phase) }),
  });
  post({ type: 'progress', phase: 'saving model', fraction: 0.97 });
  const codes = quantizer.encode(data.base); // measureQuantizer keeps its codes to itself; encoding is deterministic
  const model = await saveModelBytes(quantizer.save());
  post(
    {
      type: 'done',
      result: {
        pluginId: plugin.id,
        params,
        configName: configName(plugin.label, plugin.params, params, true),
        seed: request.seed,
        datasetName: request.dataset.name,
        measurement,
        model,
        codes,
        codeSize: quantizer.codeSize,
        count: data.base.count,
        jobsInPool: pool?.jobsInWorkers ?? 0,
        wasmKernels: wasmKernelsAvailable(),
      },
    },
    [model.buffer, codes.buffer],
  );
}

/** Loads a model file and encodes the dataset's base vectors with it: how a model trained elsewhere is checked here. */
async function encode(request: EncodeRequest): Promise<void> {
  post({ type: 'progress', phase: 'reading dataset', fraction: 0 });
  const data = await datasetFromBytes(request.dataset.name, request.dataset.bytes);
  const saved = await loadModelBytes(request.model);
  const quantizer = createRegistry().quantizer(saved.pluginId).load(saved);
  post({ type: 'progress', phase: 'encode', fraction: 0.5 });
  const codes = quantizer.encode(data.base);
  post({ type: 'encoded', result: { pluginId: saved.pluginId, codes, codeSize: quantizer.codeSize, count: data.base.count } }, [codes.buffer]);
}

/** The batched search pq, pq-fs and opq offer besides the quantizer contract (queries first). */
interface BatchSearcher {
  searchBatch(queries: Vectors, codes: Uint8Array, k: number, metric: Metric): Promise<{ ids: Int32Array; scores: Float32Array }>;
}

/** Loads a model file, encodes the dataset's base vectors and searches them for its queries with the quantizer's searchBatch. */
async function search(request: SearchRequest): Promise<void> {
  post({ type: 'progress', phase: 'reading dataset', fraction: 0 });
  const data = await datasetFromBytes(request.dataset.name, request.dataset.bytes);
  const saved = await loadModelBytes(request.model);
  const quantizer = createRegistry().quantizer(saved.pluginId).load(saved);
  const searcher = quantizer as unknown as Partial<BatchSearcher>;
  if (typeof searcher.searchBatch !== 'function') throw new ReefError('UNSUPPORTED', `${saved.pluginId}: no batched search (searchBatch) to run`);
  post({ type: 'progress', phase: 'encode', fraction: 0.3 });
  const codes = quantizer.encode(data.base);
  post({ type: 'progress', phase: 'search', fraction: 0.6 });
  const { ids, scores } = await searcher.searchBatch(data.queries, codes, request.k, 'l2');
  const result = { pluginId: saved.pluginId, codes, codeSize: quantizer.codeSize, count: data.base.count, k: request.k, queryCount: data.queries.count, ids, scores, wasmKernels: wasmKernelsAvailable() };
  post({ type: 'found', result }, [codes.buffer, ids.buffer, scores.buffer]);
}

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  (request.type === 'encode' ? encode(request) : request.type === 'search' ? search(request) : run(request)).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
