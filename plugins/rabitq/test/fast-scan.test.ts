import { readAnnBenchmarks } from '@reef/hdf5';
import { recallAtK, topK } from '@reef/kernels';
import { seededVectors } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fastScanQuery, RaBitQuantizer, scanFast } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/fmnist-2k-784-euclidean.hdf5', import.meta.url));
const MODES = [
  { l2: true, shrink: false, base: 3 },
  { l2: true, shrink: true, base: 3 },
  { l2: false, shrink: false, base: -1 },
  { l2: false, shrink: true, base: 2 },
];

describe('the fast-scan tables of 1-bit codes', () => {
  it('hold the sums of 4 query coordinates per sub-code, each within half a u8 step', () => {
    const q = Float64Array.from(seededVectors(1, 13, { seed: 3 }).data);
    const fq = fastScanQuery(q, 2); // 13 dims: 4 sub-codes, the last one's top 3 bits past the end
    for (let j = 0; j < 4; j++) {
      for (let nibble = 0; nibble < 16; nibble++) {
        let exact = 0;
        for (let i = 0; i < 4; i++) if ((nibble >> i) & 1 && 4 * j + i < 13) exact += q[4 * j + i];
        // Entry ≈ (exact − min_j)·scale; the per-table minima add up to the bias.
        const min = Math.min(...Array.from({ length: 16 }, (_, n) => [0, 1, 2, 3].reduce((s, i) => s + ((n >> i) & 1 && 4 * j + i < 13 ? q[4 * j + i] : 0), 0)));
        expect(Math.abs(fq.lut[16 * j + nibble] / fq.scale + min - exact)).toBeLessThanOrEqual(0.5 / fq.scale + 1e-6);
      }
    }
    expect(fq.lut.length).toBe(64);
  });
});

describe('RaBitQ 1-bit fast scan', () => {
  for (const dim of [64, 100, 13, 128, 121, 784]) {
    it(`gives the same floats in WASM and in JavaScript, and finds corrupt factors at the same code (dim ${dim})`, async () => {
      const n = 301; // not a multiple of 16: the padded last group is exercised
      const data = seededVectors(n, dim, { seed: dim, shift: 0.3 });
      const q = new RaBitQuantizer({ bits: 1, epsilon: 1.9 });
      await q.fit(data, { seed: 1 });
      const codes = q.encode(data);
      const valueBytes = Math.ceil(dim / 8);
      const fq = fastScanQuery(Float64Array.from(seededVectors(1, dim, { seed: 99 }).data), valueBytes);
      for (const mode of MODES) {
        const wasm = new Float32Array(n);
        const js = new Float32Array(n);
        expect(scanFast(codes, n, q.codeSize, valueBytes, fq, 0.7, mode, wasm, true)).toBe(-1);
        expect(scanFast(codes, n, q.codeSize, valueBytes, fq, 0.7, mode, js, false)).toBe(-1);
        expect(wasm).toEqual(js);
      }
      for (const at of [5, 211, 300]) {
        const bad = codes.slice();
        new DataView(bad.buffer).setFloat32(at * q.codeSize + valueBytes + 8, 0, true); // ip = 0
        const out = new Float32Array(n);
        expect(scanFast(bad, n, q.codeSize, valueBytes, fq, 0, MODES[0], out, true)).toBe(at);
        expect(scanFast(bad, n, q.codeSize, valueBytes, fq, 0, MODES[0], out, false)).toBe(at);
      }
    });
  }

  it('stays within the u8 rounding of the float-query (exact) estimate, for l2 and ip', async () => {
    const dim = 96;
    const data = seededVectors(500, dim, { seed: 4 });
    const query = seededVectors(1, dim, { seed: 5 }).data;
    const fast = new RaBitQuantizer({ bits: 1, epsilon: 1.9 });
    const exact = new RaBitQuantizer({ bits: 1, epsilon: 1.9, query: 'float' });
    await fast.fit(data, { seed: 3 });
    await exact.fit(data, { seed: 3 });
    const codes = fast.encode(data);
    expect(exact.encode(data)).toEqual(codes); // the search setting does not touch the codes
    for (const metric of ['l2', 'ip'] as const) {
      const a = fast.prepare(query, metric).distances(codes);
      const b = exact.prepare(query, metric).distances(codes);
      // The bound: 2·dim/4 rounded entries of at most half a step each, times rescale (×2 for l2), plus float32 rounding.
      const view = new DataView(codes.buffer);
      const fq = fastScanQuery(rotatedQuery(exact, query, metric), dim / 8);
      let differ = 0;
      for (let i = 0; i < a.length; i++) {
        const rescale = view.getFloat32(i * fast.codeSize + dim / 8 + 4, true);
        const bound = (metric === 'l2' ? 2 : 1) * rescale * (dim / 4) * (0.5 / fq.scale) + 1e-4 * (1 + Math.abs(b[i]));
        expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(bound);
        if (a[i] !== b[i]) differ++;
      }
      expect(differ).toBeGreaterThan(0); // a different computation, not the same one
    }
  });

  it('on fmnist-2k ranks within 0.01 recall@10 of the exact estimator, and re-scoring restores its top 10', async () => {
    const { train, test, neighbors } = await readAnnBenchmarks(FIXTURE);
    const fast = new RaBitQuantizer({ bits: 1, epsilon: 1.9 });
    const rescored = new RaBitQuantizer({ bits: 1, epsilon: 1.9, rerank: 100 });
    const exact = new RaBitQuantizer({ bits: 1, epsilon: 1.9, query: 'float' });
    for (const q of [fast, rescored, exact]) await q.fit(train, { seed: 1 });
    const codes = fast.encode(train);
    const found = [fast, rescored, exact].map(() => new Int32Array(test.count * 10));
    let same = 0;
    for (let i = 0; i < test.count; i++) {
      const query = test.data.subarray(i * 784, (i + 1) * 784);
      [fast, rescored, exact].forEach((q, k) => found[k].set(topK(q.prepare(query).distances(codes), 10, true).ids, i * 10));
      const a = Array.from(found[1].subarray(i * 10, (i + 1) * 10)).sort();
      const b = Array.from(found[2].subarray(i * 10, (i + 1) * 10)).sort();
      if (a.every((id, r) => id === b[r])) same++;
    }
    const [rFast, rRescored, rExact] = found.map((ids) => recallAtK(ids, 10, neighbors!.ids, neighbors!.k, test.count, 10));
    console.log(`fmnist-2k RaBitQ 1-bit recall@10: fast scan ${rFast.toFixed(3)}, + re-scoring 100 ${rRescored.toFixed(3)}, exact estimator ${rExact.toFixed(3)}; re-scored top 10 = exact top 10 for ${same} of ${test.count} queries`);
    expect(Math.abs(rFast - rExact)).toBeLessThanOrEqual(0.01);
    expect(rRescored).toBe(rExact);
    expect(same).toBeGreaterThanOrEqual(test.count - 1);
  }, 300_000);
});

/** q' = (q − c)·P (l2) or q·P (ip), as the estimator makes it, from the saved model. */
function rotatedQuery(q: RaBitQuantizer, query: Float32Array, metric: 'l2' | 'ip'): Float64Array {
  const saved = q.save();
  const c = saved.arrays.centroid.data as Float32Array;
  const p = saved.arrays.rotation.data as Float32Array;
  const d = c.length;
  const out = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const x = metric === 'l2' ? query[k] - c[k] : query[k];
    for (let j = 0; j < d; j++) out[j] += x * p[k * d + j];
  }
  return out;
}
