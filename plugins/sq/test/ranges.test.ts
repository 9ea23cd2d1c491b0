import { describe, expect, it } from 'vitest';
import { seededVectors } from '@reef/testkit';
import { UniformGrid, estimateRange, meanStdRange, minMaxRange, optimisedRange, quantileRange, type Range } from '../src/index.js';

const gaussian = (n: number, seed: number): Float32Array => seededVectors(n, 1, { seed }).data;

const mse = (values: Float32Array, r: Range, levels: number): number =>
  new UniformGrid(r.lower, r.upper, levels).squaredError(values) / values.length;

describe('UniformGrid', () => {
  it('includes both ends of the range and rounds to the nearest level', () => {
    const g = new UniformGrid(-1, 2, 4); // levels -1, 0, 1, 2
    expect([0, 1, 2, 3].map((c) => g.value(c))).toEqual([-1, 0, 1, 2]);
    expect(g.code(-1)).toBe(0);
    expect(g.code(2)).toBe(3);
    expect(g.code(0.49)).toBe(1);
    expect(g.code(0.51)).toBe(2);
    expect(g.code(-7)).toBe(0); // clamped below
    expect(g.code(9)).toBe(3); // clamped above
  });

  it('maps everything to the single value of an empty range', () => {
    const g = new UniformGrid(3, 3, 256);
    expect(g.code(-5)).toBe(0);
    expect(g.code(10)).toBe(0);
    expect(g.value(g.code(3))).toBe(3);
  });
});

describe('minMaxRange', () => {
  it('spans the smallest and largest value', () => {
    expect(minMaxRange([3, -2, 7.5, 0])).toEqual({ lower: -2, upper: 7.5 });
  });

  it('rounds outward to float32 so the stored range still covers the data', () => {
    const r = minMaxRange([0.1, 0.7]);
    expect(r.lower).toBe(Math.fround(r.lower));
    expect(r.upper).toBe(Math.fround(r.upper));
    expect(r.lower).toBeLessThanOrEqual(0.1);
    expect(r.upper).toBeGreaterThanOrEqual(0.7);
  });
});

describe('meanStdRange', () => {
  it('is mean ± k standard deviations (population std)', () => {
    const r = meanStdRange([1, 2, 3, 4], 2);
    const std = Math.sqrt(1.25);
    expect(r.lower).toBeCloseTo(2.5 - 2 * std, 6);
    expect(r.upper).toBeCloseTo(2.5 + 2 * std, 6);
  });

  it('gives the empty range [c, c] for constant data, which decodes it exactly', () => {
    expect(meanStdRange([4.25, 4.25, 4.25], 3)).toEqual({ lower: 4.25, upper: 4.25 });
  });

  it('stays accurate far from zero (two-pass variance)', () => {
    const r = meanStdRange([1e6 + 1, 1e6 - 1, 1e6 + 1, 1e6 - 1], 1);
    expect(r.lower).toBeCloseTo(1e6 - 1, 6);
    expect(r.upper).toBeCloseTo(1e6 + 1, 6);
  });
});

describe('quantileRange', () => {
  const ramp = Float32Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000 … 1, unsorted input

  it('drops ⌊q·n⌋ values at each end', () => {
    expect(quantileRange(ramp, 0.01)).toEqual({ lower: 11, upper: 990 });
    expect(quantileRange(ramp, 0)).toEqual({ lower: 1, upper: 1000 });
  });

  it('keeps lower ≤ upper at q = 0.5', () => {
    const r = quantileRange(ramp, 0.5);
    expect(r.lower).toBeLessThanOrEqual(r.upper);
    expect(r.upper - r.lower).toBeLessThanOrEqual(1);
  });

  it('does not reorder its input', () => {
    const copy = ramp.slice();
    quantileRange(ramp, 0.1);
    expect(ramp).toEqual(copy);
  });
});

describe('optimisedRange', () => {
  const normal = gaussian(20000, 5);

  // Optimal uniform quantizers of the unit Gaussian (Max 1960; Jayant & Noll, table 4.1): MSE 0.1188
  // with 4 levels, 0.01154 with 16. Lloyd on 20000 samples must land within a few percent.
  it.each([
    [4, 0.1188],
    [16, 0.01154],
  ])('reaches the known optimum of a uniform %i-level quantizer on Gaussian data', (levels, optimum) => {
    const r = optimisedRange(normal, levels);
    expect(mse(normal, r, levels)).toBeLessThan(optimum * 1.03);
    expect(mse(normal, r, levels)).toBeGreaterThan(optimum * 0.9);
  });

  it('beats min–max by a wide margin on long-tailed data', () => {
    const levels = 16;
    const tailed = normal.slice();
    for (let i = 0; i < tailed.length; i += 1000) tailed[i] *= 10; // 0.1% outliers
    const minMax = mse(tailed, minMaxRange(tailed), levels);
    const optim = mse(tailed, optimisedRange(tailed, levels), levels);
    expect(optim).toBeLessThan(0.2 * minMax);
  });

  it('is never worse than min–max, and exact on data already on a grid', () => {
    const onGrid = Float32Array.from({ length: 200 }, (_, i) => 2 + 0.5 * (i % 16));
    const r = optimisedRange(onGrid, 16);
    expect(mse(onGrid, r, 16)).toBe(0);
    const uniform = Float32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    expect(mse(uniform, optimisedRange(uniform, 16), 16)).toBeLessThanOrEqual(mse(uniform, minMaxRange(uniform), 16));
  });

  it('handles constant data', () => {
    expect(optimisedRange([1.5, 1.5, 1.5], 256)).toEqual({ lower: 1.5, upper: 1.5 });
  });
});

describe('estimateRange', () => {
  it('dispatches to each estimator with its own argument', () => {
    const v = gaussian(500, 9);
    const options = { levels: 16, k: 2, quantile: 0.05 };
    expect(estimateRange(v, 'minmax', options)).toEqual(minMaxRange(v));
    expect(estimateRange(v, 'meanstd', options)).toEqual(meanStdRange(v, 2));
    expect(estimateRange(v, 'quantiles', options)).toEqual(quantileRange(v, 0.05));
    expect(estimateRange(v, 'optim', options)).toEqual(optimisedRange(v, 16));
  });
});
