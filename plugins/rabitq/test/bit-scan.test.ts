import { vectors } from '@reef/core';
import { Rng, l2sqr } from '@reef/kernels';
import { seededVectors } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import { QUERY_BITS, RaBitQuantizer, quantiseQuery, scanBits } from '../src/index.js';

describe('the 4-bit query of the popcount scan', () => {
  it('reconstructs each coordinate within half a step, and its planes hold the levels bit by bit', () => {
    const rng = new Rng(5);
    const q = Float64Array.from({ length: 77 }, () => rng.normal() * 3);
    const bq = quantiseQuery(q, Math.ceil(77 / 8));
    expect(bq.stride % 8).toBe(0);
    let sum = 0;
    for (let j = 0; j < q.length; j++) {
      let level = 0;
      for (let b = 0; b < QUERY_BITS; b++) level |= ((bq.planes[b * bq.stride + (j >> 3)] >> (j & 7)) & 1) << b;
      const value = bq.lo + bq.delta * level;
      expect(Math.abs(value - q[j])).toBeLessThanOrEqual(bq.delta / 2 + 1e-12);
      sum += value;
    }
    expect(bq.shift).toBeCloseTo(sum / 2, 9);
  });
});

describe('RaBitQ 1-bit scans', () => {
  // Dimensions with whole 64-bit words, a byte tail, and both.
  for (const dim of [64, 100, 13, 128, 121]) {
    it(`give the same floats in WASM and in JavaScript (dim ${dim}, l2 and ip, both rankings)`, async () => {
      const data = seededVectors(300, dim, { seed: dim, shift: 0.3 });
      const q = new RaBitQuantizer({ bits: 1, epsilon: 1.9 });
      await q.fit(data, { seed: 1 });
      const codes = q.encode(data);
      const layout = { codeSize: q.codeSize, valueBytes: Math.ceil(dim / 8) };
      const bq = quantiseQuery(Float64Array.from(seededVectors(1, dim, { seed: 99 }).data), layout.valueBytes);
      for (const mode of [{ l2: true, shrink: false, base: 3 }, { l2: true, shrink: true, base: 3 }, { l2: false, shrink: false, base: -1 }, { l2: false, shrink: true, base: 2 }]) {
        const wasm = new Float32Array(300);
        const js = new Float32Array(300);
        expect(scanBits(codes, 300, layout.codeSize, layout.valueBytes, bq, mode, wasm, true)).toBe(-1);
        expect(scanBits(codes, 300, layout.codeSize, layout.valueBytes, bq, mode, js, false)).toBe(-1);
        expect(wasm).toEqual(js);
      }
      // Corrupt factors are found at the same code by both.
      const bad = codes.slice();
      new DataView(bad.buffer).setFloat32(211 * q.codeSize + layout.valueBytes, -1, true);
      const out = new Float32Array(300);
      expect(scanBits(bad, 300, layout.codeSize, layout.valueBytes, bq, { l2: true, shrink: false, base: 0 }, out, true)).toBe(211);
      expect(scanBits(bad, 300, layout.codeSize, layout.valueBytes, bq, { l2: true, shrink: false, base: 0 }, out, false)).toBe(211);
    });
  }

  it("stay close to the float-query estimate: the query's rounding adds a small error", async () => {
    const dim = 96;
    const data = seededVectors(500, dim, { seed: 4 });
    const query = seededVectors(1, dim, { seed: 5 }).data;
    const fast = new RaBitQuantizer({ bits: 1, epsilon: 1.9, query: '4bit' });
    const exact = new RaBitQuantizer({ bits: 1, epsilon: 1.9, query: 'float' });
    await fast.fit(data, { seed: 3 });
    await exact.fit(data, { seed: 3 });
    const codes = fast.encode(data);
    const a = fast.prepare(query).distances(codes);
    const b = exact.prepare(query).distances(codes);
    const { bounds } = exact.prepare(query).estimate(codes);
    let worst = 0;
    let differ = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / bounds[i]);
      if (a[i] !== b[i]) differ++;
    }
    expect(differ).toBeGreaterThan(0); // a different computation, not the same one
    expect(worst).toBeLessThan(0.5); // well inside the estimator's own error bound (0.25 with this seed)
  });

  it("ranking 'decoded' scores each code by its distance to the decoded vector (float query)", async () => {
    const dim = 40;
    const data = seededVectors(200, dim, { seed: 8, shift: 1 });
    const query = seededVectors(1, dim, { seed: 9 }).data;
    for (const bits of [1, 3]) {
      const q = new RaBitQuantizer({ bits, epsilon: 1.9, query: 'float', ranking: 'decoded' });
      await q.fit(data, { seed: 2 });
      const codes = q.encode(data);
      const decoded = vectors(q.decode(codes), dim);
      const scores = q.prepare(query).distances(codes);
      for (let i = 0; i < 200; i++) {
        const truth = l2sqr(query, 0, decoded.data, i * dim, dim);
        expect(Math.abs(scores[i] - truth)).toBeLessThan(1e-4 * (1 + truth));
      }
    }
  });
});
