import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, type Quantizer } from '@reef/core';
import { loadDataset, type Dataset } from '@reef/datasets';
import pq from '@reef/quantizer-pq';
import sq from '@reef/quantizer-sq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchAsymmetric, SEARCH_K } from '@reef/metrics';
import { measure, selectMethods } from '../src/index.js';

/**
 * Every metric of docs/metrics.md recomputed here from its definition, independently of
 * @reef/metrics, on a real quantizer and a seeded synthetic set (540 base vectors, 60 held-out queries).
 */
const tmp = mkdtempSync(join(tmpdir(), 'reef-sweep-metrics-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sqDist(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let c = 0; c < dim; c++) s += (a[i * dim + c] - b[j * dim + c]) ** 2;
  return s;
}

/** recall@k of a full sort of the decoded vectors by exact L2, against the dataset's truth. */
function decodedRecall(ds: Dataset, decoded: Float32Array, k: number): number {
  const { base, queries, groundTruth } = ds;
  let hits = 0;
  for (let q = 0; q < queries.count; q++) {
    const order = Array.from({ length: base.count }, (_, i) => i)
      .map((i) => [i, sqDist(queries.data, q, decoded, i, base.dim)] as const)
      .sort((a, b) => a[1] - b[1] || a[0] - b[0])
      .slice(0, k)
      .map(([i]) => i);
    const truth = new Set(groundTruth.ids.subarray(q * groundTruth.k, q * groundTruth.k + k));
    hits += order.filter((i) => truth.has(i)).length;
  }
  return hits / (queries.count * k);
}

describe('metrics as docs/metrics.md defines them', () => {
  let ds: Dataset;
  const registry = new Registry();
  registry.use(sq);
  registry.use(pq);
  beforeAll(async () => {
    ds = await loadDataset('gaussian:n=600,dim=16', { cacheDir: tmp, k: 100, seed: 1 });
  });

  for (const [method, params] of [['sq', { format: '4bit' }], ['pq', { m: 4, nbits: 4 }]] as const) {
    it(`${method}: sizes, errors, recall and QPS equal their definitions`, async () => {
      const quantizer: Quantizer = registry.createQuantizer(method, params as never, 16);
      const m = await measure(quantizer, ds, { seed: 3 });
      const { base, queries } = ds;
      const N = base.count;
      const d = base.dim;
      expect([m.n_base, m.n_queries, m.dim]).toEqual([540, 60, 16]);

      // Size: codes only, and with the model counted.
      const C = quantizer.codeSize;
      expect(m.code_bytes).toBe(C);
      expect(m.bits_per_vector).toBe(8 * C);
      expect(m.model_bytes).toBe(quantizer.modelBytes());
      expect(m.compression_codes).toBeCloseTo((4 * d) / C, 12);
      expect(m.compression_total).toBeCloseTo((4 * d * N) / (C * N + quantizer.modelBytes()), 12);

      // Errors of the reconstruction (same seed: the fit is deterministic, so decode again here).
      const decoded = quantizer.decode(quantizer.encode(base));
      let err = 0;
      let norms = 0;
      for (let i = 0; i < N; i++) {
        err += sqDist(base.data, i, decoded, i, d);
        for (let c = 0; c < d; c++) norms += base.data[i * d + c] ** 2;
      }
      expect(m.mse!).toBeCloseTo(err / N, 4);
      expect(m.relative_mse!).toBeCloseTo(err / norms, 8);

      // Distortion: the 2000-pair estimate against the mean over all 145,530 pairs (measured within 1.5%).
      let sum = 0;
      let pairs = 0;
      for (let i = 0; i < N; i++) {
        for (let k = i + 1; k < N; k++) {
          const t = Math.sqrt(sqDist(base.data, i, base.data, k, d));
          sum += Math.abs(Math.sqrt(sqDist(decoded, i, decoded, k, d)) - t) / t;
          pairs++;
        }
      }
      expect(m.distance_distortion! / (sum / pairs)).toBeGreaterThan(0.93);
      expect(m.distance_distortion! / (sum / pairs)).toBeLessThan(1.07);

      // Recall by decoded vectors at 1, 10 and 100; the ADC columns agree, as both methods' ADC is
      // exact on decoded vectors. One neighbour of slack for float32 ties (measured: equal).
      for (const k of [1, 10, 100] as const) {
        const expected = decodedRecall(ds, decoded, k);
        const slack = 1 / (queries.count * k) + 1e-12;
        expect(Math.abs(m[`recall${k}_decoded`]! - expected), `recall@${k} decoded`).toBeLessThanOrEqual(slack);
        expect(Math.abs(m[`recall${k}_adc`]! - expected), `recall@${k} adc`).toBeLessThanOrEqual(slack);
      }
      expect(m.search_kind).toBe('adc');

      // Times, QPS and memory.
      for (const t of [m.fit_ms, m.encode_ms, m.decode_ms, m.search_ms]) expect(t).toBeGreaterThanOrEqual(0);
      expect(m.qps).toBeCloseTo(queries.count / (m.search_ms! / 1000), 6);
      expect(m.peak_rss_mb!).toBeGreaterThan(10);
    }, 60_000);
  }
});

describe('asymmetric search', () => {
  it('ranks ties by id, so the first 10 of a top-100 are the top-10 (reef demo prints recall@10 from them)', async () => {
    const ds = await loadDataset('clustered:n=800,dim=8,clusters=4', { cacheDir: tmp, k: 100, seed: 2 });
    const registry = new Registry();
    registry.use(pq);
    // 4-bit PQ on 2 sub-spaces has 256 distinct codes for 720 vectors: many distances tie.
    const q = registry.createQuantizer('pq', { m: 2, nbits: 4 }, 8);
    await q.fit(ds.base, { seed: 1 });
    const codes = q.encode(ds.base);
    const top100 = searchAsymmetric(q, codes, ds.queries, SEARCH_K);
    const top10 = searchAsymmetric(q, codes, ds.queries, 10);
    for (let j = 0; j < ds.queries.count; j++) {
      expect([...top100.ids.subarray(j * 100, j * 100 + 10)]).toEqual([...top10.ids.subarray(j * 10, (j + 1) * 10)]);
    }
  }, 60_000);
});

describe('method selection', () => {
  it('--methods all (or none) is every registered quantizer; a list selects those', () => {
    const registry = new Registry();
    registry.use(sq);
    registry.use(pq); // registers pq and its fast-scan method pq-fs
    expect(selectMethods(registry, ['all']).map((p) => p.id).sort()).toEqual(['pq', 'pq-fs', 'sq']);
    expect(selectMethods(registry, undefined).map((p) => p.id).sort()).toEqual(['pq', 'pq-fs', 'sq']);
    expect(selectMethods(registry, ['sq']).map((p) => p.id)).toEqual(['sq']);
    expect(selectMethods(registry, ['pq', 'sq', 'pq']).map((p) => p.id)).toEqual(['pq', 'sq']);
  });
});
