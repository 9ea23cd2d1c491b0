import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isReefError, type ComputePool, type ComputeTask, type ComputeTaskHandler } from '@reef/core';
import { SingleThreadPool } from '../src/index.js';
// The worker-thread pool runs the compiled worker script, so it is tested from the built package.
import { NodeWorkerPool } from '../dist/node.js';
import sumHandler from './fixtures/sum-task.mjs';

interface SumJob {
  readonly index: number;
  readonly values: Float64Array;
}
interface SumReply {
  readonly index: number;
  readonly sum: number;
  readonly squares: Float64Array;
  readonly threadId: number;
}

const SUM_TASK: ComputeTask<SumJob, SumReply> = {
  module: new URL('./fixtures/sum-task.mjs', import.meta.url),
  handler: sumHandler as ComputeTaskHandler<SumJob, SumReply>,
};

function values(i: number): Float64Array {
  return Float64Array.from({ length: 100 + i }, (_, k) => (k * 7 + i) % 13);
}

/** Runs `count` sum jobs, each job's values moved to the worker, and returns the replies by index. */
async function sums(pool: ComputePool, count: number, threads?: number, task = SUM_TASK): Promise<SumReply[]> {
  const replies: SumReply[] = [];
  await pool.run(
    task,
    count,
    (index) => {
      const job = { index, values: values(index) };
      return { job, transfer: [job.values.buffer as ArrayBuffer] };
    },
    (reply, index) => {
      expect(reply.index).toBe(index);
      replies[index] = reply;
    },
    { threads },
  );
  return replies;
}

describe('compute pools', () => {
  it('give the same replies on worker threads as on one thread, computed on other threads', async () => {
    const pool = new NodeWorkerPool({ threads: 2 });
    try {
      const onWorkers = await sums(pool, 7);
      const onOne = await sums(new SingleThreadPool(), 7);
      expect(onWorkers.map((r) => [r.sum, [...r.squares]])).toEqual(onOne.map((r) => [r.sum, [...r.squares]]));
      expect(onOne[3].sum).toBe([...values(3)].reduce((a, b) => a + b, 0));
      expect(new Set(onWorkers.map((r) => r.threadId)).has(0)).toBe(false);
      expect(onOne.every((r) => r.threadId === 0)).toBe(true);
      // Workers are kept for the next batch.
      const again = await sums(pool, 3);
      expect(again.map((r) => r.sum)).toEqual(onOne.slice(0, 3).map((r) => r.sum));
    } finally {
      await pool.close();
    }
  });

  it('run on the calling thread for threads = 1 and for task modules that do not exist as files', async () => {
    const pool = new NodeWorkerPool({ threads: 2 });
    try {
      expect((await sums(pool, 3, 1)).every((r) => r.threadId === 0)).toBe(true);
      const fromSources = { ...SUM_TASK, module: new URL('./fixtures/no-such-task.js', import.meta.url) };
      expect((await sums(pool, 3, 2, fromSources)).map((r) => r.threadId)).toEqual([0, 0, 0]);
    } finally {
      await pool.close();
    }
  });

  it('settle at once for no jobs, and reject with the handler’s ReefError code', async () => {
    for (const pool of [new NodeWorkerPool({ threads: 2 }), new SingleThreadPool()]) {
      try {
        expect(await sums(pool, 0)).toEqual([]);
        const bad = pool.run(SUM_TASK, 4, (index) => ({ job: { index, values: Float64Array.of(index === 2 ? -1 : 1) } }), () => {});
        const err = await bad.then(() => undefined, (e: unknown) => e);
        expect(isReefError(err, 'INVALID_PARAM')).toBe(true);
        expect((err as Error).message).toBe('negative first value -1');
        // The pool still works after a failed batch.
        expect((await sums(pool, 2)).map((r) => r.sum)).toEqual([values(0), values(1)].map((v) => v.reduce((a, b) => a + b, 0)));
      } finally {
        await pool.close();
      }
    }
  });

  it('refuse bad arguments and batches after close, with a clear ReefError', async () => {
    expect(() => new NodeWorkerPool({ threads: 0 })).toThrow(/threads must be an integer ≥ 1, got 0/);
    const pool = new NodeWorkerPool({ threads: 2 });
    await expect(pool.run(SUM_TASK, -1, () => ({ job: { index: 0, values: values(0) } }), () => {})).rejects.toThrow(/job count must be an integer ≥ 0, got -1/);
    await expect(pool.run({ handler: SUM_TASK.handler } as never, 1, () => ({ job: {} }), () => {})).rejects.toThrow(/a task needs a module URL/);
    await pool.close();
    await expect(sums(pool, 1)).rejects.toThrow(/this pool was closed/);
  });

  it('keep node: imports out of the main entry (it runs in browsers)', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
        expect(spec.startsWith('node:') ? `${file} imports ${spec}` : '').toBe('');
        if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
      }
    };
    visit('index.ts');
    expect(seen.has('single-thread-pool.ts')).toBe(true);
    expect(seen.has('node-worker-pool.ts')).toBe(false);
  });
});

describe('multiplyInPool', () => {
  it('multiplies on worker threads to exactly multiplyFast’s product, and leaves one-thread pools to the caller', async () => {
    // The built module: workers import its compiled task module.
    const built = await import('../dist/index.js');
    const pool = new NodeWorkerPool({ threads: 2 });
    try {
      const rng = new built.Rng(3);
      for (const [n, a, b] of [[301, 37, 23], [5, 64, 64], [1, 9, 4], [0, 3, 2]]) {
        const x = Float32Array.from({ length: n * a }, () => rng.normal());
        const r = Float32Array.from({ length: a * b }, () => rng.normal());
        const out = new Float32Array(n * b);
        expect(await built.multiplyInPool(pool, x, n, a, r, b, 2, out)).toBe(out);
        expect(out).toEqual(built.multiplyFast(x, n, a, r, b));
      }
      expect(await built.multiplyInPool(new SingleThreadPool(), new Float32Array(4), 2, 2, new Float32Array(4), 2, 2)).toBeUndefined();
      // Automatic threading leaves small products to the caller.
      expect(await built.multiplyInPool(pool, new Float32Array(4), 2, 2, new Float32Array(4), 2, 0)).toBeUndefined();
    } finally {
      await pool.close();
    }
  });
});
