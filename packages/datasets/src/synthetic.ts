import { ReefError, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';

export interface GaussianOptions {
  readonly count: number;
  readonly dim: number;
  readonly seed?: number;
}

export interface ClusteredOptions extends GaussianOptions {
  /** Number of cluster centres, drawn from N(0, I). */
  readonly clusters?: number;
  /** Standard deviation of points around their centre. */
  readonly spread?: number;
}

function checkSize(count: number, dim: number): void {
  if (!Number.isInteger(count) || count <= 0) throw new ReefError('INVALID_PARAM', `synthetic dataset size must be a positive integer, got ${count}`);
  if (!Number.isInteger(dim) || dim <= 0) throw new ReefError('INVALID_PARAM', `synthetic dataset dimension must be a positive integer, got ${dim}`);
}

/** `count` vectors with i.i.d. standard normal components; same seed, same vectors. */
export function gaussianVectors({ count, dim, seed = 1 }: GaussianOptions): Vectors {
  checkSize(count, dim);
  const rng = new Rng(seed);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, count, dim };
}

/** A Gaussian mixture: points scattered with `spread` around `clusters` random centres. */
export function clusteredVectors({ count, dim, seed = 1, clusters = 16, spread = 0.1 }: ClusteredOptions): Vectors {
  checkSize(count, dim);
  if (!Number.isInteger(clusters) || clusters <= 0) throw new ReefError('INVALID_PARAM', `clusters must be a positive integer, got ${clusters}`);
  const rng = new Rng(seed);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal();
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = rng.int(clusters);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[c * dim + j] + spread * rng.normal();
  }
  return { data, count, dim };
}
