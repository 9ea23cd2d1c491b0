import { readAnnBenchmarks, type AnnDataset } from '@reef/hdf5';
import { recallAtK, topK } from '@reef/kernels';
import { NodeWorkerPool } from '@reef/kernels/node';
import { ProductQuantizer } from '@reef/quantizer-pq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import { OptimizedProductQuantizer } from '../src/index.js';
import { fixture } from './helpers.js';

/**
 * OPQ on real 784-d data (fixtures' 2000 Fashion-MNIST images and their 100 held-out queries).
 * FAISS's reference file has no OPQ entry, so the checks are OPQ's reasons to exist, against plain
 * PQ with the same m, bits and k-means settings: from the identity it must reconstruct better, and
 * from the balanced principal axes (the default) it must search better.
 */
describe('OPQ on fmnist-2k (784-d)', () => {
  // Training runs on worker threads (same codebooks and rotation as on one thread, tested elsewhere):
  // a minute of synchronous work on the test's own thread starves vitest's RPC on a busy machine.
  const pool = new NodeWorkerPool({ threads: 2 });
  const settings = { m: 8, nbits: 4 };
  let ds: AnnDataset;
  let pq: ProductQuantizer;
  beforeAll(async () => {
    ds = await readAnnBenchmarks(fixture('fmnist-2k-784-euclidean.hdf5'));
    pq = new ProductQuantizer({ ...settings, niter: 25 }, { pool });
    await pq.fit(ds.train, { seed: 1234 });
  });
  afterAll(() => pool.close());

  const mse = (q: ProductQuantizer | OptimizedProductQuantizer): number => meanSquaredError(ds.train, q.decode(q.encode(ds.train)));
  function recall(q: ProductQuantizer | OptimizedProductQuantizer): number {
    const codes = q.encode(ds.train);
    const { dim } = ds.test;
    const found = new Int32Array(ds.test.count * 10);
    for (let i = 0; i < ds.test.count; i++) topK(q.search.prepare(ds.test.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(codes), 10, true, found.subarray(i * 10, (i + 1) * 10));
    return recallAtK(found, 10, ds.neighbors!.ids, ds.neighbors!.k, ds.test.count, 10);
  }

  it('from the identity, beats PQ8x4 on MSE with a full rotation learned in a few alternations', async () => {
    const opq = new OptimizedProductQuantizer({ ...settings, niter: 4, niterFinal: 25, rotationInit: 'identity' }, { pool });
    await opq.fit(ds.train, { seed: 1234 });
    expect(opq.outDim).toBe(784);
    // Measured 0.86 × PQ; a clear margin below 1 without depending on the exact figure.
    expect(mse(opq)).toBeLessThan(0.93 * mse(pq));
  }, 600_000);

  it('from the balanced principal axes (default), beats PQ8x4 on recall@10 and on MSE', async () => {
    const opq = new OptimizedProductQuantizer({ ...settings, niter: 4, niterFinal: 25 }, { pool });
    await opq.fit(ds.train, { seed: 1234 });
    // Measured: recall@10 0.573 against PQ's 0.420, MSE 0.80 × PQ's.
    expect(recall(opq)).toBeGreaterThan(recall(pq) + 0.05);
    expect(mse(opq)).toBeLessThan(0.9 * mse(pq));
  }, 600_000);
});
