import { symmetricEigen } from './linalg.js';
import { Rng } from './rng.js';
import { multiplyTransposedFast } from './wasm.js';

export interface PrincipalAxes {
  /** The centre: column means of the rows used, or the mean given in the options. */
  readonly mean: Float64Array;
  /** Variances along the axes (eigenvalues of the covariance), descending. */
  readonly variances: Float64Array;
  /** The axes as columns of a d × d row-major matrix, in the order of `variances`. */
  readonly axes: Float32Array;
}

/**
 * Principal axes of the rows of x (n × d): eigen-decomposition of the covariance of at most
 * `maxPoints` rows (a seeded random subset beyond that; the covariance of a few thousand rows
 * already fixes the leading axes well, and its cost grows with the rows used).
 */
export function principalAxes(
  x: Float32Array,
  n: number,
  d: number,
  options: { maxPoints?: number; seed?: number; /** Centre on this (e.g. the mean of all rows) instead of the subset's mean. */ mean?: Float64Array } = {},
): PrincipalAxes {
  if (n < 2) throw new RangeError(`principalAxes: needs at least 2 rows, got ${n}`);
  const count = Math.min(n, options.maxPoints ?? 16384);
  const pick = count < n ? new Rng(options.seed ?? 1).sample(n, count) : null;
  const row = (s: number): number => (pick ? pick[s] : s) * d;
  const mean = options.mean ?? subsetMean(x, d, count, row);
  // The centred rows transposed (d × count): the covariance is then one product of rows with rows (WASM SIMD).
  const t = new Float32Array(d * count);
  for (let s = 0; s < count; s++) {
    const xo = row(s);
    for (let j = 0; j < d; j++) t[j * count + s] = x[xo + j] - mean[j];
  }
  // The scatter matrix t tᵀ (not divided by count − 1: the axes do not depend on the scale; the
  // eigenvalues are scaled instead).
  const { values, vectors } = symmetricEigen(multiplyTransposedFast(t, d, count, t, d), d);
  return { mean, variances: values.map((v) => v / (count - 1)), axes: vectors };
}

function subsetMean(x: Float32Array, d: number, count: number, row: (s: number) => number): Float64Array {
  const mean = new Float64Array(d);
  for (let s = 0; s < count; s++) {
    const xo = row(s);
    for (let j = 0; j < d; j++) mean[j] += x[xo + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= count;
  return mean;
}
