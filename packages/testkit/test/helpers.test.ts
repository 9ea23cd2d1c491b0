import { ReefError, elementCount } from '@reef/core';
import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { clusteredVectors, expectReefError, meanSquaredError, perturbedTensor, randomBitsTensor, seededVectors, toFloat64, totalVariance } from '../src/index.js';

describe('testkit helpers', () => {
  it('draws the same clustered data for the same seed, different for another', () => {
    const a = clusteredVectors(50, 6, 3);
    expect([...clusteredVectors(50, 6, 3).data]).toEqual([...a.data]);
    expect([...clusteredVectors(50, 6, 4).data]).not.toEqual([...a.data]);
    expect(totalVariance(a)).toBeGreaterThan(0);
    expect(meanSquaredError(a, a.data)).toBe(0);
  });

  it('draws Gaussian data with the per-component scale and shift asked for', () => {
    const n = 4000;
    const v = seededVectors(n, 3, { seed: 1, scale: (j) => [1, 2, 0.5][j], shift: 3 });
    expect([v.count, v.dim]).toEqual([n, 3]);
    for (const [j, sd] of [[0, 1], [1, 2], [2, 0.5]]) {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        sum += v.data[i * 3 + j];
        sq += v.data[i * 3 + j] ** 2;
      }
      const mean = sum / n;
      expect(mean).toBeCloseTo(3, 1);
      expect(Math.sqrt(sq / n - mean * mean) / sd).toBeCloseTo(1, 1);
    }
    // The same seed gives the same data; clustered data is a different draw.
    expect([...seededVectors(10, 3, { seed: 1, scale: (j) => [1, 2, 0.5][j], shift: 3 }).data]).toEqual([...v.data.subarray(0, 30)]);
    expectReefError(() => seededVectors(10, 3, { scale: 2, clusters: { count: 2 } }), 'INVALID_PARAM', 'scale');
    expectReefError(() => seededVectors(10, 0), 'INVALID_PARAM', 'dimension');
  });

  it('measures the mean squared error as docs/metrics.md defines it (sum over components, mean over vectors)', () => {
    const original = seededVectors(2, 2, { scale: 0 });
    expect(meanSquaredError(original, Float32Array.from([1, 0, 3, 4]))).toBe(13);
  });

  it('expectReefError fails when nothing is thrown or the code or message differs', () => {
    expect(() => expectReefError(() => undefined, 'BAD_CODES')).toThrow();
    expect(() => expectReefError(() => { throw new ReefError('NON_FINITE', 'x'); }, 'BAD_CODES')).toThrow();
    expect(() => expectReefError(() => { throw new Error('BAD_CODES'); }, 'BAD_CODES')).toThrow();
    expect(() => expectReefError(() => { throw new ReefError('BAD_CODES', 'codes of 3 bytes'); }, 'BAD_CODES', /4 bytes/)).toThrow();
    expectReefError(() => { throw new ReefError('BAD_CODES', 'codes of 3 bytes'); }, 'BAD_CODES', '3 bytes', /codes of \d/);
  });

  it('expectReefError awaits a promise and checks its rejection', async () => {
    await expectReefError(async () => { throw new ReefError('EMPTY_DATA', 'no vectors'); }, 'EMPTY_DATA', 'no vectors');
    await expect(expectReefError(async () => 1, 'EMPTY_DATA')).rejects.toThrow();
    await expect(expectReefError(() => Promise.reject(new ReefError('NON_FINITE', 'NaN')), 'EMPTY_DATA')).rejects.toThrow();
  });

  it('decodes f16 and bf16 bit patterns and perturbs tensors slightly', () => {
    const half = { dtype: 'f16' as const, shape: [3], data: Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]) };
    expect([...toFloat64(half)]).toEqual([1, -2, Infinity]);
    const bf = { dtype: 'bf16' as const, shape: [1], data: Uint8Array.from([0x80, 0x3f]) };
    expect([...toFloat64(bf)]).toEqual([1]);
    const t = randomBitsTensor('f32', [4, 5], new Rng(1));
    expect(t.data.length).toBe(elementCount([4, 5]) * 4);
    const base = { dtype: 'f64' as const, shape: [100], data: new Uint8Array(new Float64Array(100).fill(1).buffer) };
    const moved = toFloat64(perturbedTensor(base, new Rng(2)));
    expect(moved.some((v) => v !== 1)).toBe(true);
    expect(moved.every((v) => Math.abs(v - 1) < 0.1)).toBe(true);
  });
});
