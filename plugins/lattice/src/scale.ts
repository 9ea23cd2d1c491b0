import { goldenSectionMinimum } from '@reef/kernels';
import { BLOCK } from './lattices.js';
import type { VoronoiCode } from './voronoi.js';

/**
 * Sample of normalised 8-dimensional blocks (unit variance per dimension) on which the global
 * step is fitted. `weight` is the dimension's variance, so the fitted error is the squared error
 * in input units (a rare outlier in a nearly constant dimension must not inflate every step);
 * it is 0 for padding and constant dimensions, whose reconstruction is discarded anyway.
 */
export interface BlockSample {
  readonly values: Float64Array;
  readonly weight: Float64Array;
  readonly count: number;
}

/** Total squared error of the sample coded with step `alpha`, overload included. */
export function sampleError(sample: BlockSample, code: VoronoiCode, alpha: number): number {
  const v = new Float64Array(BLOCK);
  const p = new Float64Array(BLOCK);
  let err = 0;
  for (let s = 0; s < sample.count; s++) {
    const o = s * BLOCK;
    for (let i = 0; i < BLOCK; i++) v[i] = sample.values[o + i] / alpha;
    code.quantize(v, p);
    for (let i = 0; i < BLOCK; i++) {
      const e = sample.values[o + i] - alpha * p[i];
      err += sample.weight[o + i] * e * e;
    }
  }
  return err;
}

const GRID_POINTS = 20;
const GOLDEN_STEPS = 12;

/**
 * The step minimising the sample's squared error. The error is granular noise (growing like
 * alpha²) plus overload (growing as alpha shrinks), so it is searched on a log grid of code
 * extents from ±σ/2 to ±16σ, then refined by golden-section search around the best point.
 */
export function fitStep(sample: BlockSample, code: VoronoiCode): { alpha: number; mse: number } {
  const r = code.modulus;
  const lo = 1 / r;
  const hi = 32 / r;
  const ratio = (hi / lo) ** (1 / (GRID_POINTS - 1));
  const grid: number[] = [];
  const errors: number[] = [];
  for (let i = 0; i < GRID_POINTS; i++) {
    grid.push(lo * ratio ** i);
    errors.push(sampleError(sample, code, grid[i]));
  }
  let best = 0;
  for (let i = 1; i < GRID_POINTS; i++) if (errors[i] < errors[best]) best = i;
  let bestAlpha = grid[best];
  let bestErr = errors[best];
  const a = Math.log(grid[Math.max(0, best - 1)]);
  const b = Math.log(grid[Math.min(GRID_POINTS - 1, best + 1)]);
  const refined = goldenSectionMinimum((x) => sampleError(sample, code, Math.exp(x)), a, b, GOLDEN_STEPS);
  if (refined.value < bestErr) {
    bestErr = refined.value;
    bestAlpha = Math.exp(refined.x);
  }
  let weight = 0;
  for (let i = 0; i < sample.weight.length; i++) weight += sample.weight[i];
  return { alpha: bestAlpha, mse: weight > 0 ? bestErr / weight : 0 };
}
