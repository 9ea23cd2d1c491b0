import type { Vectors } from '@reef/core';
import { rotate } from './model.js';

/**
 * How each dimension is brought to a common scale before one global step is fitted:
 *  - 'std': centre on the mean, divide by the standard deviation. Right for Gaussian-like data.
 *  - 'range': centre on the middle of [min, max], divide by half the range, as a min-max scalar
 *    quantizer does. Right for bounded, skewed data such as pixels, where a nearly constant border
 *    pixel with rare bright values has a tiny σ but still needs its whole range covered.
 */
export type Normalisation = 'std' | 'range';
export const NORMALISATIONS: readonly Normalisation[] = ['std', 'range'];

/** A dimension whose spread is below this fraction of the largest is treated as constant. */
const CONSTANT_DIMENSION = 1e-9;

export interface FittedNormalisation {
  /** Subtracted before the rotation. */
  readonly centre: Float32Array;
  /** Per rotated dimension; 0 marks a constant dimension (decoded to the centre). */
  readonly scale: Float32Array;
}

/** Fits centre and per-dimension scale; spreads are measured after the (optional) rotation. */
export function fitNormalisation(train: Vectors, mode: Normalisation, rotation?: Float32Array): FittedNormalisation {
  const { count, dim, data } = train;
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;

  const x = new Float64Array(dim);
  const y = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  const lo = new Float64Array(dim).fill(Infinity);
  const hi = new Float64Array(dim).fill(-Infinity);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) x[j] = data[i * dim + j] - mean[j];
    const v = rotation ? rotate(x, rotation, dim, y) : x;
    for (let j = 0; j < dim; j++) {
      sumSq[j] += v[j] * v[j];
      if (v[j] < lo[j]) lo[j] = v[j];
      if (v[j] > hi[j]) hi[j] = v[j];
    }
  }

  const scale = new Float32Array(dim);
  const shift = new Float64Array(dim); // in rotated coordinates, added to the mean
  for (let j = 0; j < dim; j++) {
    if (mode === 'std') {
      scale[j] = Math.sqrt(sumSq[j] / count);
    } else {
      scale[j] = (hi[j] - lo[j]) / 2;
      shift[j] = (hi[j] + lo[j]) / 2;
    }
  }
  let largest = 0;
  for (let j = 0; j < dim; j++) largest = Math.max(largest, scale[j]);
  for (let j = 0; j < dim; j++) if (!(scale[j] > CONSTANT_DIMENSION * largest)) scale[j] = 0;

  // centre = mean + shift · Rᵀ, so that (x − centre) · R = (x − mean) · R − shift.
  const centre = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    let s = 0;
    if (rotation) for (let k = 0; k < dim; k++) s += shift[k] * rotation[j * dim + k];
    else s = shift[j];
    centre[j] = mean[j] + s;
  }
  return { centre, scale };
}
