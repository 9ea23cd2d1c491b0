import { UniformGrid } from './grid.js';
import type { Estimator } from './params.js';
import { sortedFloat32 } from './sort.js';

/** A quantization range; both ends are float32 values, as stored in the model. */
export interface Range {
  readonly lower: number;
  readonly upper: number;
}

export interface RangeOptions {
  /** Number of grid levels (2^bits); only `optim` uses it. */
  readonly levels: number;
  /** meanstd: half-width in standard deviations. */
  readonly k: number;
  /** quantiles: fraction of values left out at each end. */
  readonly quantile: number;
}

/** Rounds outward to float32, so the stored range still covers what was estimated. */
function toFloat32Range(lower: number, upper: number): Range {
  let lo = Math.fround(lower);
  let hi = Math.fround(upper);
  if (lo > lower) lo = nextFloat32Down(lo);
  if (hi < upper) hi = nextFloat32Up(hi);
  return { lower: lo, upper: Math.max(lo, hi) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function nextFloat32Up(x: number): number {
  if (x === 0) return 1.401298464324817e-45;
  f32[0] = x;
  u32[0] += x > 0 ? 1 : -1;
  return f32[0];
}
function nextFloat32Down(x: number): number {
  return -nextFloat32Up(-x);
}

/** Smallest and largest value. */
export function minMaxRange(values: ArrayLike<number>): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return toFloat32Range(lo, hi);
}

/**
 * mean ± k·std (two passes, in float64, for accuracy on data far from zero). A constant input
 * gives the empty range [mean, mean], which decodes it exactly; FAISS substitutes std = 1 there.
 */
export function meanStdRange(values: ArrayLike<number>, k: number): Range {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    sq += d * d;
  }
  const std = Math.sqrt(sq / n);
  return toFloat32Range(mean - k * std, mean + k * std);
}

function sortedCopy(values: ArrayLike<number>): Float32Array {
  return sortedFloat32(values);
}

/** The values at ranks ⌊q·n⌋ and n − 1 − ⌊q·n⌋ of the sorted values (FAISS's RS_quantiles). */
export function quantileRange(values: ArrayLike<number>, quantile: number): Range {
  return quantileRangeSorted(sortedCopy(values), quantile);
}

function quantileRangeSorted(sorted: Float32Array, quantile: number): Range {
  const n = sorted.length;
  const skip = Math.min(Math.floor(quantile * n), Math.floor((n - 1) / 2));
  return toFloat32Range(sorted[skip], sorted[n - 1 - skip]);
}

/** First index in sorted[from..) whose value is ≥ t. */
function lowerBound(sorted: Float32Array, t: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Lloyd iterations on a uniform grid of `levels` values b, b + a, ..., b + (levels − 1)·a (FAISS's
 * RS_optim): assign every value to its nearest level, then refit a and b by least squares. Each
 * step cannot increase the squared error. Values are sorted once, and the assignment is found by
 * binary search for the levels' boundaries, so an iteration costs O(levels · log n), not O(n).
 * Stops when the assignment no longer changes (FAISS: error unchanged 16 times, or 2000 iterations).
 */
function lloydUniform(sorted: Float32Array, prefix: Float64Array, start: Range, levels: number, maxIter = 2000): Range {
  const n = sorted.length;
  let b = start.lower;
  let a = (start.upper - start.lower) / (levels - 1);
  if (!(a > 0)) return start;
  const bounds = new Int32Array(levels + 1);
  const previous = new Int32Array(levels + 1).fill(-1);
  bounds[levels] = n;
  for (let it = 0; it < maxIter; it++) {
    // Level c holds sorted[bounds[c] .. bounds[c + 1]): values below b + (c + 0.5)·a go lower.
    let changed = false;
    for (let c = 1; c < levels; c++) {
      bounds[c] = lowerBound(sorted, b + (c - 0.5) * a, bounds[c - 1]);
    }
    for (let c = 0; c <= levels; c++) {
      if (bounds[c] !== previous[c]) changed = true;
      previous[c] = bounds[c];
    }
    if (!changed) break;
    // Normal equations of min Σ (x − (a·c + b))² over the current assignment.
    let sc = 0;
    let scc = 0;
    let sxc = 0;
    for (let c = 1; c < levels; c++) {
      const count = bounds[c + 1] - bounds[c];
      if (count === 0) continue;
      sc += c * count;
      scc += c * c * count;
      sxc += c * (prefix[bounds[c + 1]] - prefix[bounds[c]]);
    }
    const sx = prefix[n];
    const det = scc * n - sc * sc;
    if (!(det > 0)) break; // every value on one level: the fit is undetermined
    const nextA = (n * sxc - sc * sx) / det;
    const nextB = (scc * sx - sc * sxc) / det;
    if (!(nextA > 0)) break;
    a = nextA;
    b = nextB;
  }
  return toFloat32Range(b, b + a * (levels - 1));
}

/**
 * The range whose grid gives the least squared error on `values`: Lloyd iterations (see
 * lloydUniform) started from several ranges (min–max as FAISS does, plus trimmed ones, which reach
 * better optima on long-tailed data), keeping the best by the error of the real encoder. It is
 * never worse than min–max on the training values.
 */
export function optimisedRange(values: ArrayLike<number>, levels: number): Range {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + sorted[i];
  const minMax = toFloat32Range(sorted[0], sorted[n - 1]);
  const starts = [minMax, quantileRangeSorted(sorted, 0.001), quantileRangeSorted(sorted, 0.01), meanStdRange(sorted, 3)];
  let best = minMax;
  let bestError = new UniformGrid(minMax.lower, minMax.upper, levels).squaredError(sorted);
  for (const start of starts) {
    const candidate = lloydUniform(sorted, prefix, start, levels);
    const error = new UniformGrid(candidate.lower, candidate.upper, levels).squaredError(sorted);
    if (error < bestError) {
      best = candidate;
      bestError = error;
    }
  }
  return best;
}

/** Dispatches to the chosen estimator. `values` must be non-empty. */
export function estimateRange(values: ArrayLike<number>, estimator: Estimator, options: RangeOptions): Range {
  switch (estimator) {
    case 'minmax':
      return minMaxRange(values);
    case 'meanstd':
      return meanStdRange(values, options.k);
    case 'quantiles':
      return quantileRange(values, options.quantile);
    case 'optim':
      return optimisedRange(values, options.levels);
  }
}
