import { isReefError, vectors } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { distanceDistortion, meanSquaredError, meanSquaredNorm, recallAt, relativeMeanSquaredError, sizeMetrics } from '../src/index.js';

/** Two 2-D vectors, (0, 0) and (3, 4): squared norms 0 and 25. */
const original = vectors(Float32Array.from([0, 0, 3, 4]), 2);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isReefError(err) ? err.code : `not a ReefError: ${String(err)}`;
  }
  return undefined;
}

describe('reconstruction error', () => {
  it('mse sums squared errors over components and averages over vectors', () => {
    // Errors: (1, 0) → 1 and (3, 4) → 25.
    expect(meanSquaredError(original, Float32Array.from([1, 0, 0, 0]))).toBe(13);
    expect(meanSquaredError(original, original.data)).toBe(0);
  });

  it('relative mse divides by the mean squared norm, and is null for all-zero data', () => {
    expect(meanSquaredNorm(original)).toBe(12.5);
    expect(relativeMeanSquaredError(13, original)).toBeCloseTo(13 / 12.5, 12);
    expect(relativeMeanSquaredError(1, vectors(new Float32Array(4), 2))).toBeNull();
  });

  it('refuses decoded data of another shape, and empty data', () => {
    expect(codeOf(() => meanSquaredError(original, new Float32Array(3)))).toBe('DIMENSION_MISMATCH');
    expect(codeOf(() => distanceDistortion(original, new Float32Array(6), 1))).toBe('DIMENSION_MISMATCH');
    expect(codeOf(() => meanSquaredError(vectors(new Float32Array(0), 2), new Float32Array(0)))).toBe('EMPTY_DATA');
  });

  it('distance distortion is 0 for an exact copy, 1 when every distance doubles, null without distinct pairs', () => {
    const data = Float32Array.from({ length: 50 * 3 }, (_, i) => Math.sin(i * 1.7));
    const v = vectors(data, 3);
    expect(distanceDistortion(v, data, 5)).toBe(0);
    expect(distanceDistortion(v, data.map((x) => 2 * x), 5)).toBeCloseTo(1, 6);
    expect(distanceDistortion(vectors(Float32Array.from([1, 2]), 2), Float32Array.from([1, 2]), 5)).toBeNull();
    expect(distanceDistortion(vectors(Float32Array.from([1, 2, 1, 2]), 2), Float32Array.from([0, 0, 9, 9]), 5)).toBeNull();
  });
});

describe('size', () => {
  it('compression counts codes alone, then codes plus the model', () => {
    const s = sizeMetrics(2000, 784, 98, 400);
    expect(s).toEqual({ codeBytes: 98, bitsPerVector: 784, modelBytes: 400, compressionCodes: 32, compressionTotal: (2000 * 784 * 4) / (2000 * 98 + 400) });
  });

  it('refuses a code size that is not positive', () => {
    expect(codeOf(() => sizeMetrics(10, 4, 0, 0))).toBe('INVALID_PARAM');
    expect(codeOf(() => sizeMetrics(10, 4, 2, -1))).toBe('INVALID_PARAM');
  });
});

describe('recall@k', () => {
  // Two queries, three true neighbours each.
  const truth = { ids: Int32Array.from([0, 1, 2, 3, 4, 5]), k: 3 };
  const found = { ids: Int32Array.from([0, 2, 9, 5, 8, 7]), k: 3 };

  it('counts the first k results found among the first k true neighbours', () => {
    expect(recallAt(found, truth, 2, 3)).toBeCloseTo((2 / 3 + 1 / 3) / 2, 12);
    expect(recallAt(found, truth, 2, 1)).toBe(0.5); // query 0 finds 0; query 1 finds 5, not 3
  });

  it('is null when the results or the truth hold fewer than k neighbours', () => {
    expect(recallAt(found, truth, 2, 4)).toBeNull();
    expect(recallAt({ ids: found.ids.subarray(0, 2), k: 1 }, truth, 2, 3)).toBeNull();
  });
});
