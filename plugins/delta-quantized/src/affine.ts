import { ReefError } from '@reef/core';

/**
 * Affine (min/step) quantization of float64 values in independent channels of equal length.
 * Each channel maps [lo, hi] onto the grid lo + q·step, q = 0 … 2^bits − 1, step = (hi − lo) /
 * (2^bits − 1), and rounds every value to its nearest grid point: the error is at most step / 2
 * (plus float64 rounding, a few ulps of max(|lo|, |hi|)). A constant channel has step 0 and is exact.
 */
export type CodeBits = 8 | 16;

export interface AffineCodes {
  /** Grid index minus 2^(bits−1), so the codes fit a signed array of the same width. */
  readonly codes: Int8Array | Int16Array;
  /** Per-channel grid origin (lo) and step; float32 when that costs nothing measurable. */
  readonly offsets: Float32Array | Float64Array;
  readonly steps: Float32Array | Float64Array;
}

/** Largest relative growth of a step we accept from storing the grid in float32. */
const F32_STEP_SLACK = 2 ** -16;

export function quantizeAffine(values: Float64Array, channels: number, bits: CodeBits): AffineCodes {
  const levels = 2 ** bits;
  const length = channelLength(values.length, channels);
  const lo = new Float64Array(channels);
  const hi = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = c * length; i < (c + 1) * length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (length === 0) min = max = 0;
    if (!Number.isFinite(max - min)) {
      throw new ReefError('NON_FINITE', `channel ${c} spans [${min}, ${max}], a range float64 cannot hold; store this tensor losslessly`);
    }
    lo[c] = min;
    hi[c] = max;
  }
  const grid64 = float64Grid(lo, hi, levels);
  const grid = float32Grid(lo, hi, grid64.steps, levels) ?? grid64;
  const codes = bits === 8 ? new Int8Array(values.length) : new Int16Array(values.length);
  const half = levels / 2;
  for (let c = 0; c < channels; c++) {
    const origin = grid.offsets[c];
    const step = grid.steps[c];
    for (let i = c * length; i < (c + 1) * length; i++) {
      const q = step === 0 ? 0 : Math.min(levels - 1, Math.max(0, Math.round((values[i] - origin) / step)));
      codes[i] = q - half;
    }
  }
  return { codes, offsets: grid.offsets, steps: grid.steps };
}

export function dequantizeAffine(codes: AffineCodes, channels: number, bits: CodeBits): Float64Array {
  const n = codes.codes.length;
  const length = channelLength(n, channels);
  const half = 2 ** (bits - 1);
  const out = new Float64Array(n);
  for (let c = 0; c < channels; c++) {
    const origin = codes.offsets[c];
    const step = codes.steps[c];
    for (let i = c * length; i < (c + 1) * length; i++) out[i] = origin + (codes.codes[i] + half) * step;
  }
  return out;
}

function channelLength(n: number, channels: number): number {
  if (channels === 0) return 0;
  if (n % channels !== 0) throw new ReefError('BAD_MODEL', `${n} values cannot be split into ${channels} equal channels`);
  return n / channels;
}

function float64Grid(lo: Float64Array, hi: Float64Array, levels: number): { offsets: Float64Array; steps: Float64Array } {
  const steps = new Float64Array(lo.length);
  for (let c = 0; c < lo.length; c++) {
    let step = (hi[c] - lo[c]) / (levels - 1);
    // Rounding (or underflow to a subnormal, even to 0) can leave the grid just short of hi:
    // widen the step until it covers the whole range, so no value is ever clamped.
    while (lo[c] + (levels - 1) * step < hi[c]) step += Math.max(Number.MIN_VALUE, step * 2 ** -52);
    steps[c] = step;
  }
  return { offsets: Float64Array.from(lo), steps };
}

/**
 * The same grids in float32, halving the per-channel overhead, when that is faithful: the origin
 * rounded down and the step rounded up so the grid still covers [lo, hi], and every step at most
 * 2^-16 larger than the float64 one. Undefined when any channel does not fit.
 */
function float32Grid(lo: Float64Array, hi: Float64Array, steps64: Float64Array, levels: number): { offsets: Float32Array; steps: Float32Array } | undefined {
  const offsets = new Float32Array(lo.length);
  const steps = new Float32Array(lo.length);
  for (let c = 0; c < lo.length; c++) {
    const origin = f32AtOrBelow(lo[c]);
    const exactStep = steps64[c];
    if (exactStep === 0 && origin !== lo[c]) return undefined;
    const step = exactStep === 0 ? 0 : f32AtOrAbove((hi[c] - origin) / (levels - 1));
    if (!Number.isFinite(origin) || !Number.isFinite(step) || step > exactStep * (1 + F32_STEP_SLACK)) return undefined;
    if (origin + (levels - 1) * step < hi[c]) return undefined;
    offsets[c] = origin;
    steps[c] = step;
  }
  return { offsets, steps };
}

const f32Scratch = new Float32Array(1);
const f32Bits = new Int32Array(f32Scratch.buffer);

/** The float32 neighbour of x in the given direction (+1 up, −1 down), for a float32 x. */
function f32Neighbour(x: number, direction: 1 | -1): number {
  if (x === 0) return direction * 2 ** -149;
  f32Scratch[0] = x;
  f32Bits[0] += x > 0 === (direction > 0) ? 1 : -1;
  return f32Scratch[0];
}

function f32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  return f > x ? f32Neighbour(f, -1) : f;
}

function f32AtOrAbove(x: number): number {
  const f = Math.fround(x);
  return f < x ? f32Neighbour(f, 1) : f;
}
