import type { Metric } from '@reef/core';
import { blockCodes, exactKnn, FastScanKernel, quantizeTable, recallAtK } from '@reef/kernels';
import { NodeWorkerPool } from '@reef/kernels/node';
import { clusteredVectors, expectReefError } from '@reef/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import * as built from '../dist/index.js';
import { FastScanQuantizer, ProductQuantizer } from '../src/index.js';

// 2,011 base vectors: not a multiple of the 32-vector block, so the padded tail is exercised.
const dim = 48;
const base = clusteredVectors(2011, dim, 5, 16);
const queries = clusteredVectors(200, dim, 6, 16);
const workers = new NodeWorkerPool({ threads: 2 });
afterAll(() => workers.close());

async function pair(m: number): Promise<{ fs: FastScanQuantizer; pq: ProductQuantizer; codes: Uint8Array }> {
  const fs = new FastScanQuantizer({ m });
  await fs.fit(base, { seed: 11 });
  const pq = new ProductQuantizer({ m, nbits: 4 });
  await pq.fit(base, { seed: 11 });
  return { fs, pq, codes: fs.encode(base) };
}

describe('pq-fs: 4-bit fast-scan PQ', () => {
  it('gives the same codes for the same seed, and the codes of pq with nbits = 4', async () => {
    const { fs, pq, codes } = await pair(12);
    const again = new FastScanQuantizer({ m: 12 });
    await again.fit(base, { seed: 11 });
    expect(again.encode(base)).toEqual(codes);
    expect(pq.encode(base)).toEqual(codes);
    expect(fs.codeSize).toBe(6);
  });

  it('finds nearly the neighbours exact ADC finds on the same codes (recall@10 within 0.02)', async () => {
    for (const m of [8, 16]) {
      const { fs, pq, codes } = await pair(m);
      const truth = exactKnn(base.data, base.count, queries.data, queries.count, dim, 10).ids;
      const fast = await fs.searchBatch(queries, codes, 10);
      const exact = await pq.searchBatch(queries, codes, 10);
      const fastRecall = recallAtK(fast.ids, 10, truth, 10, queries.count, 10);
      const exactRecall = recallAtK(exact.ids, 10, truth, 10, queries.count, 10);
      expect(exactRecall).toBeGreaterThan(0.1); // the comparison means something
      expect(Math.abs(fastRecall - exactRecall)).toBeLessThanOrEqual(0.02);
      // Its distances are the u8 tables' sums, de-quantised: close to the exact ones.
      for (let i = 0; i < fast.scores.length; i++) expect(Math.abs(fast.scores[i] - exact.scores[i]) / exact.scores[i]).toBeLessThan(0.05);
    }
  });

  it('re-ranking a shortlist gives exact ADC ranking and distances, for l2 and ip', async () => {
    const { fs, pq, codes } = await pair(16);
    for (const metric of ['l2', 'ip'] as Metric[]) {
      const exact = await pq.searchBatch(queries, codes, 10, metric);
      const reranked = await fs.searchBatch(queries, codes, 10, metric, { kFactor: 8 });
      expect(reranked.ids).toEqual(exact.ids);
      expect(reranked.scores).toEqual(exact.scores);
    }
  });

  it('returns the same results on worker threads as on this thread', async () => {
    const fs = new built.FastScanQuantizer({ m: 16 }, { pool: workers });
    await fs.fit(base, { seed: 11 });
    const codes = fs.encode(base);
    for (const kFactor of [1, 4]) {
      const here = await fs.searchBatch(queries, codes, 10, 'l2', { threads: 1, kFactor });
      const spread = await fs.searchBatch(queries, codes, 10, 'l2', { threads: 2, kFactor });
      expect(spread.ids).toEqual(here.ids);
      expect(spread.scores).toEqual(here.scores);
    }
  });

  it('scans in WASM SIMD and in JS to the same integer sums and top k', async () => {
    const { fs, codes } = await pair(7);
    const m = 7;
    const blocked = blockCodes(codes, base.count, m);
    const luts = new Uint8Array(3 * m * 16);
    for (let q = 0; q < 3; q++) {
      const table = fs.codebooks.lookupTable(queries.data.subarray(q * dim, (q + 1) * dim), 'l2');
      quantizeTable(table, m, luts.subarray(q * m * 16));
    }
    const wasm = new FastScanKernel(m);
    const js = new FastScanKernel(m, false);
    expect(wasm.accelerated).toBe(true);
    for (const k of [wasm, js]) k.loadCodes(blocked, base.count);
    const result = (k: FastScanKernel) => {
      const ids = new Int32Array(3 * 25);
      const sums = new Int32Array(3 * 25);
      k.nearest(luts, 3, 25, ids, sums);
      return { ids, sums, all: k.sumsAll(luts.subarray(0, m * 16)).slice(0, base.count) };
    };
    const a = result(wasm);
    expect(a).toEqual(result(js));
    // The top 25 are the 25 smallest of all sums, in order.
    const sorted = Array.from(a.all).sort((x, y) => x - y);
    expect(Array.from(a.sums.subarray(0, 25))).toEqual(sorted.slice(0, 25));
  });

  it('quantises tables so that m entries fit in u16, bias and scale recovering distances', () => {
    const m = 300;
    const table = Float32Array.from({ length: m * 16 }, (_, i) => (i % 16) * 10 + (i >> 4));
    const lut = new Uint8Array(m * 16);
    const { scale, bias } = quantizeTable(table, m, lut);
    let worst = 0;
    for (let j = 0; j < m; j++) worst += Math.max(...lut.subarray(j * 16, (j + 1) * 16));
    expect(worst).toBeLessThanOrEqual(65535);
    expect(bias).toBe((m * (m - 1)) / 2);
    expect(150 * m * scale).toBeGreaterThan(65000); // the range is used, not squeezed needlessly
  });

  it('asks for more codes than exist: ids -1, scores NaN', async () => {
    const fs = new FastScanQuantizer({ m: 4 });
    await fs.fit(base, { seed: 1 });
    const codes = fs.encode({ data: base.data.subarray(0, 5 * dim), count: 5, dim });
    for (const kFactor of [1, 3]) {
      const found = await fs.searchBatch({ data: queries.data.subarray(0, dim), count: 1, dim }, codes, 8, 'l2', { kFactor });
      expect(Array.from(found.ids.subarray(5))).toEqual([-1, -1, -1]);
      expect(Array.from(found.ids.subarray(0, 5)).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(Number.isNaN(found.scores[7])).toBe(true);
    }
  });

  it('refuses bad parameters and arguments with one clear message', async () => {
    expectReefError(() => new FastScanQuantizer({ m: 0 }), 'INVALID_PARAM', 'm');
    expectReefError(() => new FastScanQuantizer({ m: 2000 }), 'INVALID_PARAM', 'at most 1024');
    expectReefError(() => new FastScanQuantizer({ nbits: 8 }), 'UNKNOWN_PARAM', 'nbits');
    await expectReefError(() => new FastScanQuantizer({ m: 49 }).fit(base), 'INVALID_PARAM', 'pq-fs', 'm=49');
    const { fs, codes } = await pair(8);
    await expectReefError(() => fs.searchBatch(queries, codes, 10, 'l2', { kFactor: 0 }), 'INVALID_PARAM', 'kFactor');
    await expectReefError(() => fs.searchBatch(queries, codes, 0), 'INVALID_PARAM', 'k ≥ 1');
    await expectReefError(() => fs.searchBatch(queries, codes, 10, 'cosine' as Metric), 'UNSUPPORTED', 'cosine');
    await expectReefError(() => fs.searchBatch(queries, codes.subarray(1), 10), 'BAD_CODES');
    await expectReefError(() => fs.searchBatch(clusteredVectors(3, dim + 1), codes, 10), 'DIMENSION_MISMATCH');
  });
});
