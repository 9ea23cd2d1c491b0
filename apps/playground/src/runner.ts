import workerSource from 'reef-playground:worker-source';
import type { RunRequest, RunResult, WorkerMessage } from './protocol.js';

let workerUrl: string | undefined;

/** Workers start from a blob of the bundled worker: a page opened from file:// may load no other script as a worker. */
function workerScriptUrl(): string {
  workerUrl ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  return workerUrl;
}

export interface RunHandle {
  readonly result: Promise<RunResult>;
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
  const worker = new Worker(workerScriptUrl());
  let settle: { resolve: (r: RunResult) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<RunResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const finish = (): void => {
    worker.terminate();
    settle = undefined;
  };
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === 'progress') onProgress(message.phase, message.fraction);
    else if (message.type === 'done') {
      settle?.resolve(message.result);
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
