import { ReefError } from '@reef/core';
import { polarFactorIterative, principalAxes, randomOrthogonal, productCodeCrossFast, Rng } from '@reef/kernels';
import { splitDimensions, type ProductCodebooks, type ProductQuantizer, type SubspaceLayout } from '@reef/quantizer-pq';
import type { OpqConfig } from './params.js';

export interface RotationTrainingOptions {
  readonly seed: number;
  /** The first round's training warnings (later rounds repeat them). */
  readonly onWarning?: (message: string) => void;
  /** Fraction of alternations done, in [0, 1]. */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Xᵀ Y where Y is X's PQ reconstruction in the rotated space (dIn × dOut, float64), without
 * building Y: the points sharing a sub-code are summed first (see productCodeCrossFast in
 * @reef/kernels), n·m·dIn adds instead of the n·dIn·dOut of the direct product.
 */
export function crossWithReconstruction(x: Float32Array, n: number, dIn: number, books: ProductCodebooks, labels: Int32Array): Float64Array {
  return productCodeCrossFast(x, n, dIn, labels, books.layout, books.k, books.centroids);
}

/** A seeded random subset of at most `max` rows (all of them, in order, when there are few enough). */
export function subsampleRows(x: Float32Array, n: number, d: number, max: number, rng: Rng): { data: Float32Array; count: number } {
  if (n <= max) return { data: x, count: n };
  const pick = rng.sample(n, max);
  const data = new Float32Array(max * d);
  for (let i = 0; i < max; i++) data.set(x.subarray(pick[i] * d, (pick[i] + 1) * d), i * d);
  return { data, count: max };
}

/**
 * Ge et al.'s eigenvalue allocation (parametric OPQ): the leading principal axes, in decreasing
 * variance, each given to the sub-space (with room left) whose product of variances is smallest so
 * far, so that every sub-space gets a balanced share of the variance. Returns, for each output
 * column, the index of the axis placed there.
 */
export function eigenvalueAllocation(variances: Float64Array, layout: SubspaceLayout): Int32Array {
  const { m, offsets, dim } = layout;
  // Logarithms of variances relative to a floor far below the largest: finite for directions
  // without variance (always-zero pixels), and never negative, so that adding an axis never makes
  // a sub-space look emptier than before whatever the data's scale.
  const floor = variances[0] > 0 ? variances[0] * 1e-12 : 1;
  const filled = new Int32Array(m);
  const logProduct = new Float64Array(m);
  const column = new Int32Array(dim);
  for (let axis = 0; axis < dim; axis++) {
    let best = -1;
    for (let j = 0; j < m; j++) {
      if (filled[j] === offsets[j + 1] - offsets[j]) continue;
      if (best < 0 || logProduct[j] < logProduct[best]) best = j;
    }
    column[offsets[best] + filled[best]++] = axis;
    logProduct[best] += Math.log(Math.max(variances[axis], floor) / floor);
  }
  return column;
}

/**
 * The starting dIn × dOut matrix:
 * - 'pca': the principal axes of `sample` arranged by eigenvalue allocation (keeping the dOut of
 *   most variance). Sub-spaces start balanced, which is where FAISS's random start ends up after
 *   many rounds; measured on Fashion-MNIST it reaches a given recall in far fewer rounds.
 * - 'identity': plain PQ's solution (the first dOut coordinates), which every round can only
 *   improve on the training set; lowest MSE, but PQ's unbalanced sub-spaces tend to stay.
 * - 'random': a seeded random rotation, as FAISS.
 */
export function initialRotation(dIn: number, dOut: number, config: OpqConfig, rng: Rng, sample: { data: Float32Array; count: number }): Float32Array {
  const init = config.rotationInit === 'auto' ? 'pca' : config.rotationInit;
  const rotation = new Float32Array(dIn * dOut);
  if (init === 'identity') {
    for (let q = 0; q < dOut; q++) rotation[q * dOut + q] = 1;
    return rotation;
  }
  if (init === 'pca') {
    const { variances, axes } = principalAxes(sample.data, sample.count, dIn, { maxPoints: 16384, seed: rng.nextU32() });
    const column = eigenvalueAllocation(variances, splitDimensions(dOut, config.m));
    for (let p = 0; p < dIn; p++) for (let q = 0; q < dOut; q++) rotation[p * dOut + q] = axes[p * dIn + column[q]];
    return rotation;
  }
  const full = randomOrthogonal(dIn, rng);
  for (let p = 0; p < dIn; p++) rotation.set(full.subarray(p * dIn, p * dIn + dOut), p * dOut);
  return rotation;
}

/**
 * Non-parametric OPQ (Ge et al. 2013, as FAISS's OPQMatrix): starting from `initialRotation`,
 * alternate (1) training `pq` on the rotated vectors, warm-started from the previous round, and
 * (2) the orthogonal Procrustes update P = polar(Xᵀ Y) (by Newton–Schulz iteration, see
 * polarFactorIterative in @reef/kernels), which minimises ‖X P − Y‖ for the current
 * reconstruction Y. Every product X P and the PQ's k-means and assignment run on `pq`'s compute
 * pool (where it has one). Returns P, dIn × dOut with orthonormal columns (row-major): rotated = x P; `pq` is left
 * with the last round's codebooks (a warm start for the final PQ).
 */
export async function trainRotation(
  x: Float32Array,
  n: number,
  dIn: number,
  config: OpqConfig,
  pq: ProductQuantizer,
  dOut: number,
  options: RotationTrainingOptions,
): Promise<Float32Array> {
  if (config.niter < 1) throw new ReefError('INVALID_PARAM', `opq: niter must be at least 1, got ${config.niter}`);
  const rng = new Rng(options.seed);
  const sample = subsampleRows(x, n, dIn, config.maxTrainPoints, rng);
  let rotation: Float32Array = initialRotation(dIn, dOut, config, rng, sample);

  const rotated = { data: new Float32Array(sample.count * dOut), count: sample.count, dim: dOut };
  for (let it = 0; it < config.niter; it++) {
    await pq.transformAsync({ data: sample.data, count: sample.count, dim: dIn }, rotation, dOut, rotated.data);
    await pq.fit(rotated, {
      seed: options.seed,
      niter: it === 0 ? config.niterPqFirst : config.niterPq,
      warmStart: it === 0 ? undefined : pq.codebooks,
    });
    if (it === 0) for (const warning of pq.warnings) options.onWarning?.(warning);
    const labels = await pq.assignAsync(rotated);
    // Matrix products only (WASM SIMD) instead of a 784 × 784 eigen-decomposition: several times
    // faster; directions the data leaves free keep the previous rotation.
    rotation = polarFactorIterative(crossWithReconstruction(sample.data, sample.count, dIn, pq.codebooks, labels), dIn, dOut, { towards: rotation });
    options.onProgress?.((it + 1) / config.niter);
  }
  return rotation;
}
