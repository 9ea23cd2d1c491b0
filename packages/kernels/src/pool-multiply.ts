/**
 * x · r by row blocks on a compute pool: each row is computed exactly as multiplyTransposedFast
 * computes it (a row's result does not depend on which rows share its call), so the product is the
 * same bits on any pool. This module is also the task module the pool's workers import.
 */
import { computeTask, type ComputePool, type ComputeTask, type ComputeTaskHandler } from '@reef/core';
import { multiplyTransposedFast } from './wasm.js';

/** A block of x's rows and r transposed (b × a), as sent to a worker. */
export interface MultiplyRowsJob {
  readonly x: Float32Array;
  readonly rows: number;
  readonly a: number;
  readonly rt: Float32Array;
  readonly b: number;
}

const multiplyRowsHandler: ComputeTaskHandler<MultiplyRowsJob, Float32Array> = {
  run: (job) => multiplyTransposedFast(job.x, job.rows, job.a, job.rt, job.b),
  transfer: (product) => [product.buffer as ArrayBuffer],
};
export default multiplyRowsHandler;

// Named as compiled: from TypeScript sources (a test runner) there is no .js here, and pools run it in-thread.
export const MULTIPLY_ROWS_TASK: ComputeTask<MultiplyRowsJob, Float32Array> = computeTask(new URL('./pool-multiply.js', import.meta.url), multiplyRowsHandler);

/** Below this many multiply-adds (n × a × b), automatic threading leaves the product to the caller. */
const MIN_POOLED_MULTIPLY = 2e8;

/**
 * x (n × a) · r (a × b) on `threads` of the pool's workers (0: all of them), row blocks in
 * parallel. Written into `out` and returned; undefined when the pool has one thread, or for
 * threads = 0 when the product is too small to gain from workers (the caller multiplies itself).
 */
export async function multiplyInPool(
  pool: ComputePool,
  x: Float32Array,
  n: number,
  a: number,
  r: Float32Array,
  b: number,
  threads: number,
  out: Float32Array = new Float32Array(n * b),
): Promise<Float32Array | undefined> {
  const team = threads === 0 ? pool.threads : Math.min(threads, pool.threads);
  if (team <= 1 || (threads === 0 && n * a * b < MIN_POOLED_MULTIPLY)) return undefined;
  // Transposed once, so that every output is a dot product of two contiguous rows.
  const rt = new Float32Array(a * b);
  for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) rt[q * a + p] = r[p * b + q];
  // A few blocks per thread, so a thread slowed by other work takes fewer.
  const blocks = Math.min(n, 3 * team);
  const rowsPer = Math.ceil(n / blocks);
  const count = n === 0 ? 0 : Math.ceil(n / rowsPer);
  await pool.run(
    MULTIPLY_ROWS_TASK,
    count,
    (j) => {
      const rows = Math.min(rowsPer, n - j * rowsPer);
      const job: MultiplyRowsJob = { x: x.slice(j * rowsPer * a, (j * rowsPer + rows) * a), rows, a, rt: rt.slice(), b };
      return { job, transfer: [job.x.buffer as ArrayBuffer, job.rt.buffer as ArrayBuffer] };
    },
    (product, j) => out.set(product, j * rowsPer * b),
    { threads: team },
  );
  return out;
}
