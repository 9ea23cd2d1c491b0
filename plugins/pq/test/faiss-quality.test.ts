import { readFileSync } from 'node:fs';
import { readAnnBenchmarks, type AnnDataset } from '@reef/hdf5';
import { recallAtK, topK } from '@reef/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import { ProductQuantizer } from '../src/index.js';
import { fixture } from './helpers.js';

/**
 * FAISS 1.7.3's figures for PQ on 2000 Fashion-MNIST images (fixtures/faiss-reference.json, written
 * by FAISS itself). Reef, with the same k-means settings (25 iterations, random init, seed 1234),
 * must reach MSE ≤ 1.02 × FAISS and recall@10 ≥ FAISS − 0.02.
 */
interface Reference {
  factory: string;
  mse: number;
  recall10: number;
}
const reference = JSON.parse(readFileSync(fixture('faiss-reference.json'), 'utf8')) as { results: Reference[] };
const pqConfigs = reference.results
  .map((r) => ({ ...r, match: /^PQ(\d+)x(\d+)$/.exec(r.factory) }))
  .filter((r) => r.match !== null)
  .map((r) => ({ ...r, m: Number(r.match![1]), nbits: Number(r.match![2]) }));

describe('PQ against FAISS on fmnist-2k', () => {
  let ds: AnnDataset;
  beforeAll(async () => {
    ds = await readAnnBenchmarks(fixture('fmnist-2k-784-euclidean.hdf5'));
  });

  it('lists the four PQ configurations of the reference file', () => {
    expect(pqConfigs.map((c) => c.factory)).toEqual(['PQ8x4', 'PQ16x4', 'PQ8x6', 'PQ28x4']);
  });

  it.each(pqConfigs)('$factory: MSE ≤ 1.02 × FAISS, recall@10 ≥ FAISS − 0.02', async ({ m, nbits, mse, recall10 }) => {
    const pq = new ProductQuantizer({ m, nbits });
    await pq.fit(ds.train, { seed: 1234 });
    const codes = pq.encode(ds.train);
    expect(codes.length).toBe(ds.train.count * Math.ceil((m * nbits) / 8));
    const reefMse = meanSquaredError(ds.train, pq.decode(codes));

    const { dim } = ds.test;
    const found = new Int32Array(ds.test.count * 10);
    for (let q = 0; q < ds.test.count; q++) {
      const scores = pq.search.prepare(ds.test.data.subarray(q * dim, (q + 1) * dim), 'l2').distances(codes);
      topK(scores, 10, true, found.subarray(q * 10, (q + 1) * 10));
    }
    const recall = recallAtK(found, 10, ds.neighbors!.ids, ds.neighbors!.k, ds.test.count, 10);

    expect(reefMse).toBeLessThanOrEqual(1.02 * mse);
    expect(recall).toBeGreaterThanOrEqual(recall10 - 0.02);
  }, 60_000);
});
