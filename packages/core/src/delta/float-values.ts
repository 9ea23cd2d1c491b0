import { ReefError } from '../errors.js';
import { DTYPE_BYTES, elementCount, isFloatDType, type DType, type Tensor } from '../tensor.js';

/**
 * Exact conversions between float tensors (raw little-endian bytes) and float64 values: every lossy
 * delta type reads its tensors and writes its decoded values through them, so they live with the
 * lossy machinery in core, which plugins may import (browser-safe, no dependencies).
 * f16 and bf16 have no JavaScript typed array, so their bit patterns are converted by hand;
 * rounding is to nearest, ties to even, straight from float64 (no double rounding through f32).
 */

/** Bit layout of a binary floating-point format narrower than float64. */
interface FloatFormat {
  readonly exponentBits: number;
  readonly mantissaBits: number;
}

const F16: FloatFormat = { exponentBits: 5, mantissaBits: 10 };
const BF16: FloatFormat = { exponentBits: 8, mantissaBits: 7 };

const f64Scratch = new Float64Array(1);
const f64ScratchWords = new Uint32Array(f64Scratch.buffer);
// Typed arrays use the host's byte order; index of the high word of a float64 on this host.
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Unbiased binary exponent of a positive, normal float64. */
function exponentOf(a: number): number {
  f64Scratch[0] = a;
  return ((f64ScratchWords[HIGH_WORD] >>> 20) & 0x7ff) - 1023;
}

/** Rounds a non-negative number to an integer, ties to even. */
function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const fraction = v - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Encodes `x` in a narrow format, round to nearest even; overflow gives ±Inf, NaN a quiet NaN. */
function encodeNarrow(x: number, format: FloatFormat): number {
  const { exponentBits, mantissaBits } = format;
  const totalBits = 1 + exponentBits + mantissaBits;
  const signBit = 2 ** (totalBits - 1);
  const exponentAllOnes = 2 ** exponentBits - 1;
  const infinityBits = exponentAllOnes * 2 ** mantissaBits;
  if (Number.isNaN(x)) return infinityBits + 2 ** (mantissaBits - 1);
  const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
  const a = Math.abs(x);
  if (a === 0) return sign;
  if (a === Infinity) return sign + infinityBits;
  const bias = 2 ** (exponentBits - 1) - 1;
  const minExponent = 1 - bias;
  if (a < 2 ** minExponent) {
    // Subnormal: count multiples of the smallest subnormal. Reaching 2^mantissaBits yields the
    // smallest normal, whose bit pattern is exactly that count.
    return sign + roundHalfEven(a * 2 ** (mantissaBits - minExponent));
  }
  let exponent = exponentOf(a);
  // Both steps are exact: scaling by a power of two, and subtracting 1 from a value in [1, 2).
  let mantissa = roundHalfEven((a * 2 ** -exponent - 1) * 2 ** mantissaBits);
  if (mantissa === 2 ** mantissaBits) {
    mantissa = 0;
    exponent += 1;
  }
  if (exponent > bias) return sign + infinityBits;
  return sign + (exponent + bias) * 2 ** mantissaBits + mantissa;
}

/** Decodes a narrow-format bit pattern to its exact value. */
function decodeNarrow(bits: number, format: FloatFormat): number {
  const { exponentBits, mantissaBits } = format;
  const totalBits = 1 + exponentBits + mantissaBits;
  const sign = bits >= 2 ** (totalBits - 1) ? -1 : 1;
  const magnitude = bits % 2 ** (totalBits - 1);
  const exponentField = Math.floor(magnitude / 2 ** mantissaBits);
  const mantissa = magnitude % 2 ** mantissaBits;
  const bias = 2 ** (exponentBits - 1) - 1;
  if (exponentField === 2 ** exponentBits - 1) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponentField === 0) return sign * mantissa * 2 ** (1 - bias - mantissaBits);
  return sign * (1 + mantissa * 2 ** -mantissaBits) * 2 ** (exponentField - bias);
}

/** float64 → IEEE binary16 bits, round to nearest even. */
export function f16Bits(x: number): number {
  return encodeNarrow(x, F16);
}
/** IEEE binary16 bits → exact value. */
export function f16Value(bits: number): number {
  return decodeNarrow(bits, F16);
}
/** float64 → bfloat16 bits, round to nearest even. */
export function bf16Bits(x: number): number {
  return encodeNarrow(x, BF16);
}
/** bfloat16 bits → exact value. */
export function bf16Value(bits: number): number {
  return decodeNarrow(bits, BF16);
}

/** The largest finite value of each float dtype. */
export const MAX_FINITE: Readonly<Record<'f64' | 'f32' | 'f16' | 'bf16', number>> = {
  f64: Number.MAX_VALUE,
  f32: 3.4028234663852886e38,
  f16: 65504,
  bf16: 3.3895313892515355e38,
};

/** Rounds a float64 to the nearest value representable in a float dtype (what storing it would keep). */
export function roundToDType(x: number, dtype: DType): number {
  switch (dtype) {
    case 'f64': return x;
    case 'f32': return Math.fround(x);
    case 'f16': return f16Value(f16Bits(x));
    case 'bf16': return bf16Value(bf16Bits(x));
    default: throw notFloat(dtype);
  }
}

function notFloat(dtype: DType): ReefError {
  return new ReefError('UNSUPPORTED', `dtype ${dtype} is not a float dtype (f64, f32, f16, bf16)`);
}

/** Copies bytes into a fresh, aligned buffer (tensor data may sit at any byte offset). */
function alignedCopy(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

/** The values of a float tensor as float64 (exact for every float dtype). */
export function tensorToFloat64(t: Tensor): Float64Array {
  const n = elementCount(t.shape);
  switch (t.dtype) {
    case 'f64': return new Float64Array(alignedCopy(t.data));
    case 'f32': return Float64Array.from(new Float32Array(alignedCopy(t.data)));
    case 'f16':
    case 'bf16': {
      const bits = new Uint16Array(alignedCopy(t.data));
      const decode = t.dtype === 'f16' ? f16Value : bf16Value;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = decode(bits[i]);
      return out;
    }
    default: throw notFloat(t.dtype);
  }
}

/** Stores float64 values as a tensor of a float dtype, rounding each to nearest even. */
export function float64ToTensor(values: Float64Array, dtype: DType, shape: readonly number[]): Tensor {
  if (!isFloatDType(dtype)) throw notFloat(dtype);
  let data: Uint8Array;
  switch (dtype) {
    case 'f64': data = new Uint8Array(Float64Array.from(values).buffer); break;
    case 'f32': data = new Uint8Array(Float32Array.from(values).buffer); break;
    default: {
      const encode = dtype === 'f16' ? f16Bits : bf16Bits;
      const bits = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) bits[i] = encode(values[i]);
      data = new Uint8Array(bits.buffer);
    }
  }
  if (data.length !== values.length * DTYPE_BYTES[dtype]) throw new Error('internal: byte length mismatch');
  return { dtype, shape: [...shape], data };
}
