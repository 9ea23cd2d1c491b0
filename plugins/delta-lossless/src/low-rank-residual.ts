import {
  PLUGIN_API_VERSION, ReefError, decodeTable, elementCount, floatToBf16Bits, floatToHalfBits, named, requireArray,
  type DeltaPayload, type DeltaTypePlugin, type ParamSpec, type Tensor,
} from '@reef/core';
import { blockSavings, firstComponentSaving, fitBytes, fitLowRank, lookBytes, lookRows, worthFitting, type LowRankFit } from './low-rank-fit.js';
import { predictBytes, workspace, type Workspace } from './low-rank-kernels.js';
import { assertSameLayout, headerAttributes, readHeader, sameLayout } from './payload.js';
import { decodeTargets, encodeTargets } from './residual-coder.js';

export const RANK_PARAM: ParamSpec = {
  name: 'maxRank',
  type: 'int',
  default: 8,
  min: 0,
  max: 64,
  description: 'most components of the low-rank update to fit (each kept only where it pays)',
};

export type LowRankDType = 'f32' | 'f16' | 'bf16';
const DTYPES: readonly string[] = ['f32', 'f16', 'bf16'];
/** Smallest matrix side worth a factor: below it the factors cost about what they could save. */
const MIN_SIDE = 8;
/**
 * Up to this size the type is always tried: its residual coder alone is ~3.5% smaller than
 * xor-planes on SGD updates, at about xor-planes' speed on f32 (an adaptive coder in WebAssembly,
 * about four decisions per element: 43-54 MB/s of CPU time encoding and ~57 decoding, where
 * xor-planes encodes at 52-61 and decodes at 42-62; bench/store/low-rank-residual-speed.mjs), a few
 * tens of ms on such tensors. Above it, only where a quick look finds a low-rank update
 * (`worthTrying`), so large plain updates keep xor-planes' speed and skip a second full pass.
 */
export const RESIDUAL_ALWAYS_BYTES = 4 << 20;

/** How a dtype's bit patterns read as numbers, exponents and (back) as rounded bit patterns. */
interface Format {
  readonly bits: 16 | 32;
  readonly mantissaBits: number;
  /** Exponent field: (bits >>> mantissaBits) & exponentMask. */
  readonly exponentMask: number;
  /** Value of a bit pattern. */
  value(bits: number): number;
  /** Bit pattern of finite `x` rounded to this dtype (deterministic: the decoder repeats it). */
  round(x: number): number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const FORMATS: Record<LowRankDType, Format> = {
  f32: { bits: 32, mantissaBits: 23, exponentMask: 0xff, value: (b) => ((u32[0] = b), f32[0]), round: (x) => ((f32[0] = x), u32[0]) },
  bf16: { bits: 16, mantissaBits: 7, exponentMask: 0xff, value: (b) => decodeTable('bf16')[b], round: floatToBf16Bits },
  f16: { bits: 16, mantissaBits: 10, exponentMask: 0x1f, value: (b) => decodeTable('fp16')[b], round: floatToHalfBits },
};

/** Rounding noise of a value of the dtype, ulp²/12, by exponent field (the smallest normal's for subnormals). */
function roundingNoise(dtype: LowRankDType): Float64Array {
  const { exponentMask, mantissaBits } = FORMATS[dtype];
  const bias = dtype === 'f16' ? 15 : 127;
  return Float64Array.from({ length: exponentMask + 1 }, (_, e) => 4 ** (Math.max(e, 1) - bias - mantissaBits) / 12);
}

/** The element bit patterns of a tensor (little-endian), as unsigned integers. */
function bitsOf(t: Tensor): Uint32Array | Uint16Array {
  const src = t.data.byteOffset % 4 === 0 ? t.data : new Uint8Array(t.data);
  const n = elementCount(t.shape);
  return t.dtype === 'f32' ? new Uint32Array(src.buffer, src.byteOffset, n) : new Uint16Array(src.buffer, src.byteOffset, n);
}

function valuesOf(dtype: LowRankDType, bits: Uint32Array | Uint16Array): Float32Array {
  if (dtype === 'f32') return new Float32Array(bits.buffer, bits.byteOffset, bits.length);
  const table = decodeTable(dtype === 'f16' ? 'fp16' : 'bf16');
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/*
 * Ordered integers: a bit pattern b of width W maps to b + 2^(W-1) when positive and to 2^W - 1 - b
 * when negative, so the integers are in the order of the floats (−0 just below +0, NaNs at the ends)
 * and neighbouring floats are neighbouring integers: a small update is a small difference.
 */

/**
 * The update (target − reference, 0 where not finite) on some rows (all when `rows` is null), and
 * the target's mean rounding noise there: f32 in WebAssembly where the workspace runs it, else one
 * loop per dtype family over typed arrays (f32 through a Float32Array view of the same bytes,
 * f16/bf16 through their decode table).
 */
function updateOf(dtype: LowRankDType, tBits: Uint32Array | Uint16Array, rBits: Uint32Array | Uint16Array, rows: readonly number[] | null, cols: number, ws: Workspace): { d: Float64Array; floor: number } {
  const noise = roundingNoise(dtype);
  if (dtype === 'f32' && ws.update32) {
    const t = tBits as Uint32Array;
    const r = rBits as Uint32Array;
    // Some rows: gathered first (a copy per row), so the WASM loop runs over one block.
    const pick = (bits: Uint32Array) => {
      if (rows === null) return bits;
      const out = new Uint32Array(rows.length * cols);
      rows.forEach((row, k) => out.set(bits.subarray(row * cols, (row + 1) * cols), k * cols));
      return out;
    };
    const { d, floorSum } = ws.update32(pick(t), pick(r), noise);
    return { d, floor: floorSum / Math.max(1, d.length) };
  }
  const count = rows === null ? tBits.length / cols : rows.length;
  const d = ws.f64(count * cols);
  const floor = dtype === 'f32'
    ? updateOf32(tBits as Uint32Array, rBits as Uint32Array, rows, cols, noise, d)
    : updateOf16(tBits as Uint16Array, rBits as Uint16Array, decodeTable(dtype === 'f16' ? 'fp16' : 'bf16'), FORMATS[dtype].mantissaBits, FORMATS[dtype].exponentMask, rows, cols, noise, d);
  return { d, floor: floor / Math.max(1, d.length) };
}

function updateOf32(tBits: Uint32Array, rBits: Uint32Array, rows: readonly number[] | null, cols: number, noise: Float64Array, d: Float64Array): number {
  const t = new Float32Array(tBits.buffer, tBits.byteOffset, tBits.length);
  const r = new Float32Array(rBits.buffer, rBits.byteOffset, rBits.length);
  const count = d.length / cols;
  let floor = 0;
  for (let k = 0; k < count; k++) {
    const from = (rows === null ? k : rows[k]) * cols;
    const to = k * cols;
    for (let j = 0; j < cols; j++) {
      const x = t[from + j] - r[from + j];
      if (x - x !== 0) {
        d[to + j] = 0; // not finite (and the workspace may hold an earlier matrix)
        continue;
      }
      d[to + j] = x;
      floor += noise[(tBits[from + j] >>> 23) & 0xff];
    }
  }
  return floor;
}

function updateOf16(tBits: Uint16Array, rBits: Uint16Array, table: Float32Array, shift: number, mask: number, rows: readonly number[] | null, cols: number, noise: Float64Array, d: Float64Array): number {
  const count = d.length / cols;
  let floor = 0;
  for (let k = 0; k < count; k++) {
    const from = (rows === null ? k : rows[k]) * cols;
    const to = k * cols;
    for (let j = 0; j < cols; j++) {
      const tb = tBits[from + j];
      const x = table[tb] - table[rBits[from + j]];
      if (x - x !== 0) {
        d[to + j] = 0; // not finite (and the workspace may hold an earlier matrix)
        continue;
      }
      d[to + j] = x;
      floor += noise[(tb >>> shift) & mask];
    }
  }
  return floor;
}

/**
 * The quick look before a fit: the first component of at most 64 evenly strided rows, then, when
 * that alone does not pay, a block of up to LOOK_BLOCK components of them (an update of several
 * components of similar size). Small matrices are fitted without a look.
 */
function looksLowRank(dtype: LowRankDType, tBits: Uint32Array | Uint16Array, rBits: Uint32Array | Uint16Array, rows: number, cols: number): boolean {
  const picked = lookRows(rows);
  if (picked.length === rows) return true;
  const ws = workspace(8 * picked.length * cols + lookBytes(picked.length, cols));
  const { d, floor } = updateOf(dtype, tBits, rBits, picked, cols, ws);
  if (worthFitting([firstComponentSaving(d, picked.length, cols, floor, ws)], rows, cols)) return true;
  return worthFitting(blockSavings(d, picked.length, cols, floor, ws), rows, cols);
}

/** Matrix view: the first dimension as rows, the rest as columns (1-D: one row). */
function matrixOf(shape: readonly number[]): { rows: number; cols: number } {
  const n = elementCount(shape);
  const rows = shape.length >= 2 && shape[0] > 0 ? shape[0] : 1;
  return { rows, cols: n / rows };
}

/**
 * Prediction of every element: the reference plus the low-rank term (sum over components in a
 * fixed order, in f64), rounded to the dtype. Where the reference or the sum is not finite the
 * prediction is the reference's own bits: NaN payloads out of arithmetic differ between CPUs.
 * Computed a row at a time, component by component (the same additions in the same order per
 * element as summing per element: x = ref, then x += u_c v_c for c = 0, 1, ...). f32 in WebAssembly
 * where it runs (the same IEEE operations: the same bits; exported for the test that checks so).
 */
export function predict(dtype: LowRankDType, refBits: Uint32Array | Uint16Array, rows: number, cols: number, rank: number, factors: Float32Array, useWasm = true): Uint32Array {
  if (rank === 0) return new Uint32Array(refBits);
  const fast = dtype === 'f32' && useWasm ? workspace(predictBytes(rows, cols, rank)).predict32?.(refBits as Uint32Array, rows, cols, rank, factors) : undefined;
  if (fast) return fast;
  const out = new Uint32Array(refBits);
  const row = new Float64Array(cols);
  const refValues = valuesOf(dtype, refBits);
  const outF = new Float32Array(out.buffer);
  const vAt = rows * rank;
  for (let i = 0; i < rows; i++) {
    const at = i * cols;
    for (let j = 0; j < cols; j++) row[j] = refValues[at + j];
    for (let c = 0; c < rank; c++) {
      const u = factors[i * rank + c];
      const v = vAt + c * cols;
      for (let j = 0; j < cols; j++) row[j] += u * factors[v + j];
    }
    if (dtype === 'f32') {
      // A finite sum stored through a Float32Array view: round to nearest even, as Math.fround.
      for (let j = 0; j < cols; j++) {
        const x = row[j];
        if (x - x === 0) outF[at + j] = x;
      }
    } else {
      const round = FORMATS[dtype].round;
      for (let j = 0; j < cols; j++) {
        const x = row[j];
        if (x - x === 0) out[at + j] = round(x);
      }
    }
  }
  return out;
}

/**
 * Low-rank update plus coded residual. The target is predicted as reference + U V (rank chosen by
 * the fit, 0 when no component pays), rounded to the dtype; what is left, the difference of the
 * target and the prediction as ordered integers, is coded by its bit length (adaptive, in the
 * context of the neighbours' residual sizes) plus raw low bits. Byte-exact for every bit pattern:
 * the ordered-integer map is a bijection and the difference wraps modulo 2^width.
 *
 * Pays where an update has low rank (a merged LoRA adapter: 0.18 of xor-planes' bytes on the public
 * series) and a little on plain updates (an SGD epoch: ~3.5% smaller; the difference of ordered
 * integers has no XOR carries, and the neighbours' residual sizes predict each length).
 */
export const lowRankResidual: DeltaTypePlugin = {
  kind: 'delta',
  id: 'low-rank-residual',
  label: 'Low-rank update + coded residual',
  summary: 'reference + U V (fitted rank, f32 factors) rounded to the dtype, residual as ordered integers coded by bit length (lossless; f32, f16, bf16)',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [RANK_PARAM],
  supports(target, reference) {
    if (!DTYPES.includes(target.dtype)) return `low-rank-residual handles f32, f16 and bf16, not ${target.dtype}`;
    return sameLayout(target, reference);
  },
  worthTrying(target, reference) {
    if (target.data.length <= RESIDUAL_ALWAYS_BYTES) return true;
    const { rows, cols } = matrixOf(target.shape);
    if (rows < MIN_SIDE || cols < MIN_SIDE || !DTYPES.includes(target.dtype) || sameLayout(target, reference)) return false;
    return looksLowRank(target.dtype as LowRankDType, bitsOf(target), bitsOf(reference), rows, cols);
  },
  encode(target: Tensor, reference: Tensor, options): DeltaPayload {
    assertSameLayout('low-rank-residual', target, reference);
    if (!DTYPES.includes(target.dtype)) throw new ReefError('UNSUPPORTED', `low-rank-residual: dtype ${target.dtype} is not f32, f16 or bf16`);
    const dtype = target.dtype as LowRankDType;
    const format = FORMATS[dtype];
    const maxRank = Number(options?.params?.maxRank ?? RANK_PARAM.default);
    const { rows, cols } = matrixOf(target.shape);
    const tBits = bitsOf(target);
    const rBits = bitsOf(reference);
    let fit: LowRankFit = { rank: 0, factors: new Float32Array(0) };
    if (maxRank > 0 && rows >= MIN_SIDE && cols >= MIN_SIDE && looksLowRank(dtype, tBits, rBits, rows, cols)) {
      const ws = workspace(8 * rows * cols + fitBytes(rows, cols, maxRank));
      const { d, floor } = updateOf(dtype, tBits, rBits, null, cols, ws);
      fit = fitLowRank(d, rows, cols, maxRank, floor, ws);
    }
    const pred = predict(dtype, rBits, rows, cols, fit.rank, fit.factors);
    const coded = encodeTargets(tBits, pred, format.bits, format.mantissaBits, format.exponentMask, cols);
    return {
      arrays: { factors: named(fit.factors), coded: named(coded.coded), raw: named(coded.raw) },
      attributes: { ...headerAttributes('low-rank-residual', target), rank: fit.rank },
    };
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const { dtype, shape } = readHeader('low-rank-residual', payload, reference);
    if (!DTYPES.includes(dtype)) throw new ReefError('BAD_MODEL', `low-rank-residual payload has dtype ${dtype}, not f32, f16 or bf16`);
    const format = FORMATS[dtype as LowRankDType];
    const rank = Number(payload.attributes.rank);
    const { rows, cols } = matrixOf(shape);
    if (!Number.isInteger(rank) || rank < 0) throw new ReefError('BAD_MODEL', `low-rank-residual payload has invalid rank ${String(payload.attributes.rank)}`);
    const factors = requireArray(payload, 'factors', Float32Array, rank * (rows + cols));
    const rBits = bitsOf(reference);
    const pred = predict(dtype as LowRankDType, rBits, rows, cols, rank, factors);
    const stored = { coded: requireArray(payload, 'coded', Uint8Array), raw: requireArray(payload, 'raw', Uint8Array) };
    const out = decodeTargets(stored, pred, format.bits, format.mantissaBits, format.exponentMask, cols);
    return { dtype, shape, data: new Uint8Array(out.buffer) };
  },
};
