import { vectors, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';

/** Seeded clustered data: a few Gaussian blobs with uneven per-dimension scales. */
export function blobs(count: number, dim: number, seed = 11, clusters = 6): Vectors {
  const rng = new Rng(seed);
  const centers = Array.from({ length: clusters * dim }, () => rng.normal() * 3);
  const scale = Array.from({ length: dim }, () => 0.3 + 2 * rng.float());
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = rng.int(clusters);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centers[c * dim + j] + rng.normal() * scale[j];
  }
  return vectors(data, dim);
}

/** Mean over vectors of the squared L2 distance between two equal-shape batches. */
export function mse(a: Float32Array, b: Float32Array, dim: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / (a.length / dim);
}
