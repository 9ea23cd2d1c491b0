import workerSource, { poolWorkerSource } from 'virtual:reef-playground/worker-source';
import type { EncodeRequest, EncodeResult, RunRequest, RunResult, SearchRequest, SearchResult, WorkerMessage, WorkerRequest } from './protocol.js';

const blobUrls = new Map<string, string>();

/** Workers start from blobs of the bundled scripts: a page opened from file:// may load no other script as a worker. */
function scriptUrl(source: string): string {
  let url = blobUrls.get(source);
  if (url === undefined) {
    url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    blobUrls.set(source, url);
  }
  return url;
}

export interface RunHandle<R = RunResult> {
  readonly result: Promise<R>;
  /** Stops the run at once (terminates its worker); `result` rejects with a CancelledError. */
  cancel(): void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Starts one run in a Web Worker of its own; `onProgress` gets each phase and the fraction done. */
export function startRun(request: RunRequest, onProgress: (phase: string, fraction: number) => void): RunHandle {
  const poolWorkerUrl = (request.threads ?? 1) > 1 ? scriptUrl(poolWorkerSource) : undefined;
  return startJob<RunResult>({ type: 'run', ...request, poolWorkerUrl }, onProgress);
}

/** Encodes a dataset with a model file in a worker of its own. */
export function startEncode(request: EncodeRequest): RunHandle<EncodeResult> {
  return startJob<EncodeResult>({ type: 'encode', ...request }, () => {});
}

/** Searches a dataset's queries with a model file's quantizer (its batched search) in a worker of its own. */
export function startSearch(request: SearchRequest): RunHandle<SearchResult> {
  return startJob<SearchResult>({ type: 'search', ...request }, () => {});
}

function startJob<R>(request: WorkerRequest, onProgress: (phase: string, fraction: number) => void): RunHandle<R> {
  const worker = new Worker(scriptUrl(workerSource));
  let settle: { resolve: (r: R) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<R>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const finish = (): void => {
    worker.terminate();
    settle = undefined;
  };
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === 'progress') onProgress(message.phase, message.fraction);
    else if (message.type === 'done' || message.type === 'encoded' || message.type === 'found') {
      settle?.resolve(message.result as R);
      finish();
    } else {
      settle?.reject(new Error(message.message));
      finish();
    }
  };
  worker.onerror = (event) => {
    settle?.reject(new Error(event.message || 'the worker failed to start'));
    finish();
  };
  // The bytes are copied, not moved: the page keeps its dataset for the next run.
  worker.postMessage(request);
  return {
    result,
    cancel: () => {
      settle?.reject(new CancelledError());
      finish();
    },
  };
}
