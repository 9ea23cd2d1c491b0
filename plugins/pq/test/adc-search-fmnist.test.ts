import { readAnnBenchmarks, type AnnDataset } from '@reef/hdf5';
import { recallAtK, scanCodes, topK } from '@reef/kernels';
import type { Metric } from '@reef/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProductQuantizer } from '../src/index.js';
import { fixture } from './helpers.js';

/**
 * 8-bit ADC search on real data (2,000 Fashion-MNIST images, their 200 test queries): the WASM
 * scan (codes in blocks of 32, sub-spaces read in order of centroid variance, codes dropped once
 * their partial sum cannot reach the top k, float32 sums) must return exactly the top k of the
 * plain JS path (scanCodes with the same order, then topK), on one thread and on two, and rank
 * like float64 sums in sub-space order up to the last float32 rounding.
 */
describe('8-bit ADC search on fmnist-2k', () => {
  let ds: AnnDataset;
  beforeAll(async () => {
    ds = await readAnnBenchmarks(fixture('fmnist-2k-784-euclidean.hdf5'));
  });

  it.each([8, 16, 56])('PQ%i: searchBatch equals the JS scan and topK, one thread and two', async (m) => {
    const pq = new ProductQuantizer({ m, nbits: 8, niter: 4 });
    await pq.fit(ds.train, { seed: 1234 });
    const codes = pq.encode(ds.train);
    const { scanner } = pq.codebooks;
    const { dim, count: nq } = ds.test;
    const k = 10;
    for (const metric of ['l2', 'ip'] as Metric[]) {
      const one = await pq.searchBatch(ds.test, codes, k, metric, { threads: 1 });
      const two = await pq.searchBatch(ds.test, codes, k, metric, { threads: 2 });
      expect(Array.from(two.ids)).toEqual(Array.from(one.ids));
      expect(Array.from(two.scores)).toEqual(Array.from(one.scores));
      const float64Ids = new Int32Array(nq * k);
      for (let q = 0; q < nq; q++) {
        const table = pq.codebooks.lookupTable(ds.test.data.subarray(q * dim, (q + 1) * dim), metric);
        const want = topK(scanCodes(table, 256, m, 8, codes, ds.train.count, undefined, scanner.order), k, metric === 'l2');
        expect(Array.from(one.ids.subarray(q * k, (q + 1) * k))).toEqual(Array.from(want.ids));
        expect(Array.from(one.scores.subarray(q * k, (q + 1) * k))).toEqual(Array.from(want.scores));
        // float64 sums in sub-space order: the same ranking but for near-ties.
        const exact = new Float64Array(ds.train.count);
        for (let i = 0; i < ds.train.count; i++) for (let j = 0; j < m; j++) exact[i] += table[j * 256 + codes[i * m + j]];
        const order = Array.from(exact.keys()).sort((a, b) => (metric === 'l2' ? exact[a] - exact[b] : exact[b] - exact[a]) || a - b);
        float64Ids.set(order.slice(0, k), q * k);
        for (let r = 0; r < k; r++) {
          const id = one.ids[q * k + r];
          expect(Math.abs(one.scores[q * k + r] - exact[id])).toBeLessThanOrEqual(1e-5 * Math.abs(exact[id]) + 1e-3);
        }
      }
      expect(recallAtK(one.ids, k, float64Ids, k, nq, k)).toBeGreaterThanOrEqual(0.995);
    }
  });
});
