import { ReefError, vectors, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';

/** Gaussian blobs: centres drawn once, then each vector is a random centre plus Gaussian noise. */
export interface SeededClusters {
  readonly count: number;
  /** Standard deviation of the centres' components (default 4). */
  readonly spread?: number;
  /** Per-component noise scales are drawn as `scaleMin + scaleSpread · U[0, 1)` (defaults 0.5 and 1.5). */
  readonly scaleMin?: number;
  readonly scaleSpread?: number;
}

export interface SeededVectorsOptions {
  /** Seed of `@reef/kernels`' Rng (default 7). */
  readonly seed?: number;
  /** Standard deviation of component j, a number or a function of j (default 1; not with `clusters`). */
  readonly scale?: number | ((component: number) => number);
  /** Added to every component (default 0). */
  readonly shift?: number;
  /** Draw Gaussian blobs instead of one zero-mean Gaussian. */
  readonly clusters?: SeededClusters;
}

/**
 * The seeded test data of every Reef test: `count` vectors of `dim` components, row after row,
 * the same for the same options on every platform. Without `clusters`, each component is
 * `normal() · scale(j) + shift`; with them, a blob centre plus noise of a random per-component scale.
 */
export function seededVectors(count: number, dim: number, options: SeededVectorsOptions = {}): Vectors {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(dim) || dim < 1) {
    throw new ReefError('INVALID_PARAM', `seededVectors needs a whole count ≥ 0 and dimension ≥ 1, got ${count} × ${dim}`);
  }
  const { seed = 7, scale = 1, shift = 0, clusters } = options;
  const rng = new Rng(seed);
  const data = new Float32Array(count * dim);
  if (clusters) {
    if (options.scale !== undefined) throw new ReefError('INVALID_PARAM', 'seededVectors: clustered data draws its own per-component scales; drop `scale`');
    const { count: k, spread = 4, scaleMin = 0.5, scaleSpread = 1.5 } = clusters;
    if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `seededVectors: clusters.count must be a whole number ≥ 1, got ${k}`);
    const centers = new Float32Array(k * dim);
    for (let i = 0; i < centers.length; i++) centers[i] = rng.normal() * spread;
    const scales = new Float32Array(dim);
    for (let j = 0; j < dim; j++) scales[j] = scaleMin + scaleSpread * rng.float();
    for (let i = 0; i < count; i++) {
      const c = rng.int(k);
      for (let j = 0; j < dim; j++) data[i * dim + j] = centers[c * dim + j] + rng.normal() * scales[j] + shift;
    }
  } else {
    const scaleOf = typeof scale === 'number' ? () => scale : scale;
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = rng.normal() * scaleOf(j) + shift;
  }
  return vectors(data, dim);
}

/**
 * Structured data the contract suites train on: eight Gaussian blobs with different per-component
 * scales, so quantizers have something to learn and a broken one shows a large error.
 */
export function clusteredVectors(count: number, dim: number, seed = 7, clusters = 8): Vectors {
  return seededVectors(count, dim, { seed, clusters: { count: clusters } });
}

/** Mean over vectors of the squared distance to the batch mean: the MSE of the best constant code. */
export function totalVariance(v: Vectors): number {
  const mean = new Float64Array(v.dim);
  for (let i = 0; i < v.count; i++) for (let j = 0; j < v.dim; j++) mean[j] += v.data[i * v.dim + j];
  for (let j = 0; j < v.dim; j++) mean[j] /= v.count;
  let s = 0;
  for (let i = 0; i < v.count; i++) {
    for (let j = 0; j < v.dim; j++) {
      const d = v.data[i * v.dim + j] - mean[j];
      s += d * d;
    }
  }
  return s / v.count;
}

/** The sweep's definition (docs/metrics.md), so tests and benchmarks report the same quantity. */
export { meanSquaredError } from '@reef/metrics';
