import { ReefError, type Vectors } from '@reef/core';
import { l2sqr, Rng, squaredNorms } from '@reef/kernels';

/** Random pairs used for the distance-distortion estimate (docs/metrics.md). */
export const DISTORTION_PAIRS = 2000;

function assertSameShape(original: Vectors, decoded: Float32Array): void {
  if (decoded.length !== original.count * original.dim) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `decoded vectors hold ${decoded.length} values but the originals are ${original.count} × ${original.dim} = ${original.count * original.dim}`,
    );
  }
}

/**
 * `mse`: mean over vectors of the squared L2 reconstruction error, a sum over components (not a
 * per-component mean), as FAISS reports it.
 */
export function meanSquaredError(original: Vectors, decoded: Float32Array): number {
  assertSameShape(original, decoded);
  if (original.count === 0) throw new ReefError('EMPTY_DATA', 'the mean squared error of zero vectors is undefined');
  let sum = 0;
  for (let i = 0; i < original.count; i++) sum += l2sqr(original.data, i * original.dim, decoded, i * original.dim, original.dim);
  return sum / original.count;
}

/** `(1/N) Σ ‖x_i‖²`: the denominator of the relative MSE. */
export function meanSquaredNorm(v: Vectors): number {
  const norms = squaredNorms(v.data, v.count, v.dim);
  let mean = 0;
  for (const n of norms) mean += n / v.count;
  return mean;
}

/** `relative_mse`: the MSE over the mean squared norm; null for all-zero data, where it has no meaning. */
export function relativeMeanSquaredError(mse: number, original: Vectors): number | null {
  const meanNorm = meanSquaredNorm(original);
  return meanNorm > 0 ? mse / meanNorm : null;
}

/**
 * `distance_distortion`: mean over `pairs` seeded random pairs (i, k) with x_i ≠ x_k of
 * |‖x̂_i − x̂_k‖ − ‖x_i − x_k‖| / ‖x_i − x_k‖. Null when fewer than two vectors or no distinct pair.
 */
export function distanceDistortion(original: Vectors, decoded: Float32Array, seed: number, pairs = DISTORTION_PAIRS): number | null {
  assertSameShape(original, decoded);
  if (original.count < 2) return null;
  const rng = new Rng(seed);
  const dim = original.dim;
  let sum = 0;
  let used = 0;
  for (let p = 0; p < pairs; p++) {
    const i = rng.int(original.count);
    const j = rng.int(original.count);
    const d = Math.sqrt(l2sqr(original.data, i * dim, original.data, j * dim, dim));
    if (d === 0) continue;
    const dHat = Math.sqrt(l2sqr(decoded, i * dim, decoded, j * dim, dim));
    sum += Math.abs(dHat - d) / d;
    used++;
  }
  return used > 0 ? sum / used : null;
}
