/**
 * Worker-thread side of NodeWorkerPool: imports each task module once (its default export is the
 * handler) and answers every job with the handler's reply, or with the error it threw.
 */
import { parentPort } from 'node:worker_threads';
import type { ComputeTaskHandler } from '@reef/core';
import type { PoolReply, PoolRequest } from './node-worker-pool.js';

const port = parentPort;
if (!port) throw new Error('node-pool-worker.js must run in a worker thread');

const handlers = new Map<string, Promise<ComputeTaskHandler<unknown, unknown>>>();

async function handlerOf(module: string): Promise<ComputeTaskHandler<unknown, unknown>> {
  let handler = handlers.get(module);
  if (!handler) {
    handler = import(module).then((m: { default?: ComputeTaskHandler<unknown, unknown> }) => {
      if (typeof m.default?.run !== 'function') throw new Error(`compute task module ${module} has no default export with run(job)`);
      return m.default;
    });
    handlers.set(module, handler);
  }
  return handler;
}

port.on('message', (request: PoolRequest) => {
  handlerOf(request.module)
    .then(async (handler) => {
      const reply = await handler.run(request.job);
      port.postMessage({ reply } satisfies PoolReply, handler.transfer?.(reply) ?? []);
    })
    .catch((err: Error & { code?: string }) => port.postMessage({ error: { message: err?.message ?? String(err), code: err?.code } } satisfies PoolReply));
});
