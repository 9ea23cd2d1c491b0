import type { Params } from '@reef/core';
import type { Measurement } from '@reef/metrics';

/** A dataset as the page hands it to a worker: its file name (which says its format) and bytes. */
export interface DatasetBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Page → worker: measure one configuration. */
export interface RunRequest {
  readonly dataset: DatasetBytes;
  readonly pluginId: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  /**
   * Threads for this run: above 1, the run's worker starts that many workers of its own (a
   * WebWorkerPool running pool-worker.ts) for the plugins' parallel training and search.
   */
  readonly threads?: number;
  /** The script the pool's workers run (a blob URL of pool-worker.ts's bundle); needed when `threads` > 1. */
  readonly poolWorkerUrl?: string;
}

/** Page → worker: encode the dataset's base vectors with a trained model file (from Node or a page). */
export interface EncodeRequest {
  readonly dataset: DatasetBytes;
  readonly model: Uint8Array;
}

/**
 * Page → worker: load a trained model file, encode the dataset's base vectors and search them for
 * its queries with the quantizer's own batched search (`searchBatch` of pq, pq-fs, opq): how the
 * page's top k is compared with Node's.
 */
export interface SearchRequest {
  readonly dataset: DatasetBytes;
  readonly model: Uint8Array;
  readonly k: number;
}

export type WorkerRequest = ({ readonly type: 'run' } & RunRequest) | ({ readonly type: 'encode' } & EncodeRequest) | ({ readonly type: 'search' } & SearchRequest);

/** What an encode request gives back. */
export interface EncodeResult {
  readonly pluginId: string;
  readonly codes: Uint8Array;
  readonly codeSize: number;
  readonly count: number;
}

/** What a search request gives back: the codes, then per query the k nearest ids (best first) and their scores. */
export interface SearchResult extends EncodeResult {
  readonly k: number;
  readonly queryCount: number;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  /** Whether the kernels' embedded WASM modules loaded in the worker (else they ran in JavaScript). */
  readonly wasmKernels: boolean;
}

/** What one run gives back: the sweep's measurements, the trained model file and the codes. */
export interface RunResult {
  readonly pluginId: string;
  readonly params: Params;
  /** e.g. `PQ(m=8, nbits=8)`, as the sweep names configurations. */
  readonly configName: string;
  readonly seed: number;
  readonly datasetName: string;
  readonly measurement: Measurement;
  /** The model as an HDF5 file, the layout `reef` writes in Node. */
  readonly model: Uint8Array;
  /** `count` codes of `codeSize` bytes, back to back. */
  readonly codes: Uint8Array;
  readonly codeSize: number;
  readonly count: number;
  /** Compute jobs that ran on the run's own pool of workers (0 with one thread). */
  readonly jobsInPool: number;
  /** Whether the kernels' embedded WASM modules loaded in the worker (else they ran in JavaScript). */
  readonly wasmKernels: boolean;
}

/** Worker → page. `fraction` runs from 0 to 1 over the whole run. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly phase: string; readonly fraction: number }
  | { readonly type: 'done'; readonly result: RunResult }
  | { readonly type: 'encoded'; readonly result: EncodeResult }
  | { readonly type: 'found'; readonly result: SearchResult }
  | { readonly type: 'error'; readonly message: string };
