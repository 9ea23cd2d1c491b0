import { symmetricEigen } from './linalg.js';
import { Rng } from './rng.js';
import { multiplyTransposedFast } from './wasm.js';

export interface PrincipalAxes {
  /** Column means of the rows used. */
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
export function principalAxes(x: Float32Array, n: number, d: number, options: { maxPoints?: number; seed?: number } = {}): PrincipalAxes {
  if (n < 2) throw new RangeError(`principalAxes: needs at least 2 rows, got ${n}`);
  const count = Math.min(n, options.maxPoints ?? 16384);
  const pick = count < n ? new Rng(options.seed ?? 1).sample(n, count) : null;
  const row = (s: number): number => (pick ? pick[s] : s) * d;
  const mean = new Float64Array(d);
  for (let s = 0; s < count; s++) {
    const xo = row(s);
    for (let j = 0; j < d; j++) mean[j] += x[xo + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= count;
  // The centred rows transposed (d × count): the covariance is then one product of rows with rows (WASM SIMD).
  const t = new Float32Array(d * count);
  for (let s = 0; s < count; s++) {
    const xo = row(s);
    for (let j = 0; j < d; j++) t[j * count + s] = x[xo + j] - mean[j];
  }
  const cov = multiplyTransposedFast(t, d, count, t, d);
  for (let i = 0; i < d * d; i++) cov[i] /= count - 1;
  const { values, vectors } = symmetricEigen(cov, d);
  return { mean, variances: values, axes: vectors };
}
