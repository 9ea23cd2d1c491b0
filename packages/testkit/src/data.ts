import { vectors, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';

/**
 * Seeded test data with structure (a few Gaussian clusters with different per-dimension scales),
 * so quantizers have something to learn and a broken one shows a large error.
 */
export function clusteredVectors(count: number, dim: number, seed = 7, clusters = 8): Vectors {
  const rng = new Rng(seed);
  const centers = new Float32Array(clusters * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.normal() * 4;
  const scale = new Float32Array(dim);
  for (let j = 0; j < dim; j++) scale[j] = 0.5 + 1.5 * rng.float();
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = rng.int(clusters);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centers[c * dim + j] + rng.normal() * scale[j];
  }
  return vectors(data, dim);
}

/** Mean over vectors of the squared L2 distance between two batches of equal shape. */
export function meanSquaredError(a: Float32Array, b: Float32Array, dim: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s / (a.length / dim);
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
