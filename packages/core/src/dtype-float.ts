import { ReefError } from './errors.js';
import { DTYPE_BYTES, elementCount, isFloatDType, type DType, type Tensor } from './tensor.js';

/**
 * The one conversion between tensor bytes (little-endian, every dtype) and float64 values, and the
 * f16/bf16 bit conversions it rests on. f16 and bf16 have no JavaScript typed array (Node 20), so
 * their bit patterns are converted by hand. Two kinds of narrowing, on purpose:
 * - IEEE casts from float64 (`f16Bits`, `bf16Bits`, and so `float64ToTensor`): round to nearest,
 *   ties to even, straight from float64 (no double rounding through f32); overflow gives ±Inf.
 *   What storing a value in a tensor keeps.
 * - Saturating casts from float32 bit patterns (`float32BitsToHalfBits`, `float32BitsToBf16Bits`):
 *   round to nearest even too, but values beyond the largest finite one clamp to it: as a
 *   quantizer's code (SQ fp16/bf16), the nearest finite code is the useful answer. SQ's WASM kernels
 *   implement these bit for bit.
 */

/** Bit layout of a binary floating-point format narrower than float64. */
interface FloatFormat {
  readonly exponentBits: number;
  readonly mantissaBits: number;
}

const F16: FloatFormat = { exponentBits: 5, mantissaBits: 10 };
const BF16: FloatFormat = { exponentBits: 8, mantissaBits: 7 };
/** F8_E5M2: IEEE-like (infinities, NaNs), so the generic narrow format fits it. */
const F8E5M2: FloatFormat = { exponentBits: 5, mantissaBits: 2 };

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

/** float64 → F8_E5M2 bits, round to nearest even; overflow gives ±Inf. */
export function f8e5m2Bits(x: number): number {
  return encodeNarrow(x, F8E5M2);
}
/** F8_E5M2 bits → exact value. */
export function f8e5m2Value(bits: number): number {
  return decodeNarrow(bits, F8E5M2);
}

/**
 * float64 → F8_E4M3 (float8_e4m3fn) bits, round to nearest even. The format has no infinities: its
 * top exponent holds finite values up to 448 and only S.1111.111 is NaN, so a value that rounds
 * beyond 448 (|x| ≥ 464), ±Inf and NaN give NaN (0x7f, with the sign), as PyTorch's conversion does.
 */
export function f8e4m3Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7f;
  const sign = x < 0 || Object.is(x, -0) ? 0x80 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7f;
  let bits: number;
  if (a < 2 ** -6) {
    bits = roundHalfEven(a * 2 ** 9); // subnormals: multiples of 2^-9; 8 of them is the smallest normal
  } else {
    let exponent = exponentOf(a);
    let mantissa = roundHalfEven((a * 2 ** -exponent - 1) * 8);
    if (mantissa === 8) {
      mantissa = 0;
      exponent += 1;
    }
    bits = (exponent + 7) * 8 + mantissa;
  }
  return sign | (bits >= 0x7f ? 0x7f : bits);
}
/** F8_E4M3 (float8_e4m3fn) bits → exact value. */
export function f8e4m3Value(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exponentField = (bits >>> 3) & 15;
  const mantissa = bits & 7;
  if (exponentField === 15 && mantissa === 7) return NaN;
  if (exponentField === 0) return sign * mantissa * 2 ** -9;
  return sign * (1 + mantissa / 8) * 2 ** (exponentField - 7);
}

/** The largest finite value of each float dtype. */
export const MAX_FINITE: Readonly<Record<'f64' | 'f32' | 'f16' | 'bf16' | 'f8e4m3' | 'f8e5m2', number>> = {
  f64: Number.MAX_VALUE,
  f32: 3.4028234663852886e38,
  f16: 65504,
  bf16: 3.3895313892515355e38,
  f8e4m3: 448,
  f8e5m2: 57344,
};

/** Rounds a float64 to the nearest value representable in a float dtype (what storing it would keep). */
export function roundToDType(x: number, dtype: DType): number {
  switch (dtype) {
    case 'f64': return x;
    case 'f32': return Math.fround(x);
    case 'f16': return f16Value(f16Bits(x));
    case 'bf16': return bf16Value(bf16Bits(x));
    case 'f8e4m3': return f8e4m3Value(f8e4m3Bits(x));
    case 'f8e5m2': return f8e5m2Value(f8e5m2Bits(x));
    default: throw notFloat(dtype);
  }
}

function notFloat(dtype: DType): ReefError {
  return new ReefError('UNSUPPORTED', `dtype ${dtype} is not a float dtype (f64, f32, f16, bf16, f8e4m3, f8e5m2)`);
}

const f8Tables: Partial<Record<'f8e4m3' | 'f8e5m2', Float64Array>> = {};
/** The value of each of the 256 bit patterns of an 8-bit float (built once). */
function f8Table(dtype: 'f8e4m3' | 'f8e5m2'): Float64Array {
  return (f8Tables[dtype] ??= Float64Array.from({ length: 256 }, (_, b) => (dtype === 'f8e4m3' ? f8e4m3Value(b) : f8e5m2Value(b))));
}

/** Copies bytes into a fresh, aligned buffer (tensor data may sit at any byte offset). */
function alignedCopy(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

/** The values of a tensor of any dtype as float64: floats exactly, integers exactly up to 2^53. */
export function toFloat64(t: Tensor): Float64Array {
  const n = elementCount(t.shape);
  const data = t.data.subarray(0, n * DTYPE_BYTES[t.dtype]);
  switch (t.dtype) {
    case 'f64': return new Float64Array(alignedCopy(data));
    case 'f32': return Float64Array.from(new Float32Array(alignedCopy(data)));
    case 'f16':
    case 'bf16': {
      // Every 16-bit pattern is exactly a float32, so one table read per element.
      const table = decodeTable(t.dtype === 'f16' ? 'fp16' : 'bf16');
      const bits = new Uint16Array(alignedCopy(data));
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = table[bits[i]];
      return out;
    }
    case 'f8e4m3':
    case 'f8e5m2': {
      const table = f8Table(t.dtype);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = table[data[i]];
      return out;
    }
    default: {
      const v = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      const w = DTYPE_BYTES[t.dtype];
      const out = new Float64Array(n);
      for (let i = 0, o = 0; i < n; i++, o += w) {
        switch (t.dtype) {
          case 'i64': out[i] = Number(v.getBigInt64(o, true)); break;
          case 'u64': out[i] = Number(v.getBigUint64(o, true)); break;
          case 'i32': out[i] = v.getInt32(o, true); break;
          case 'u32': out[i] = v.getUint32(o, true); break;
          case 'i16': out[i] = v.getInt16(o, true); break;
          case 'u16': out[i] = v.getUint16(o, true); break;
          case 'i8': out[i] = v.getInt8(o); break;
          default: out[i] = v.getUint8(o); break; // u8, bool
        }
      }
      return out;
    }
  }
}

/** `toFloat64` for float tensors only: a delta type's values, refusing integer tensors. */
export function tensorToFloat64(t: Tensor): Float64Array {
  if (!isFloatDType(t.dtype)) throw notFloat(t.dtype);
  return toFloat64(t);
}

/** Stores float64 values as a tensor of a float dtype, rounding each to nearest even (IEEE casts). */
export function float64ToTensor(values: Float64Array, dtype: DType, shape: readonly number[]): Tensor {
  if (!isFloatDType(dtype)) throw notFloat(dtype);
  if (values.length !== elementCount(shape)) {
    throw new ReefError('INVALID_PARAM', `${values.length} values do not fill shape [${shape.join(', ')}]`);
  }
  let data: Uint8Array;
  switch (dtype) {
    case 'f64': data = new Uint8Array(Float64Array.from(values).buffer); break;
    case 'f32': data = new Uint8Array(Float32Array.from(values).buffer); break;
    case 'f8e4m3':
    case 'f8e5m2': {
      const encode = dtype === 'f8e4m3' ? f8e4m3Bits : f8e5m2Bits;
      data = Uint8Array.from(values, encode);
      break;
    }
    default: {
      const encode = dtype === 'f16' ? f16Bits : bf16Bits;
      const bits = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) bits[i] = encode(values[i]);
      data = new Uint8Array(bits.buffer);
    }
  }
  return { dtype, shape: [...shape], data };
}

// ---- saturating float32 -> f16/bf16 casts (quantizer codes) ------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

const HALF_MAX_FINITE = 0x7bff; // 65504
const BF16_MAX_FINITE = 0x7f7f;

/** fp16 bits (sign, 5-bit exponent, 10-bit mantissa) of the nearest fp16 to finite `x`, saturating. */
export function floatToHalfBits(x: number): number {
  f32[0] = x;
  return float32BitsToHalfBits(u32[0]);
}

/** floatToHalfBits on the float32 bit pattern, so batches can be read through a Uint32Array view. */
export function float32BitsToHalfBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 143) return sign | HALF_MAX_FINITE; // |x| ≥ 65536 (or non-finite): clamp
  if (exponent < 102) return sign; // |x| < 2^-25: rounds to ±0
  if (exponent < 113) {
    // fp16 subnormal: value = m · 2^-24 with m < 1024; shift the 24-bit significand down.
    const significand = mantissa | 0x800000;
    const shift = 126 - exponent; // 14..24
    let m = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++; // may carry into the smallest normal: still correct bits
    return sign | m;
  }
  // Normal: rebias the exponent, keep 10 of 23 mantissa bits, round to nearest even.
  let h = ((exponent - 112) << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry bumps the exponent: still correct
  if (h > HALF_MAX_FINITE) h = HALF_MAX_FINITE;
  return sign | h;
}

/** The float value of fp16 bits (exact; the same value as `f16Value`, by a shorter path). */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** bf16 bits (the top half of float32) of the nearest bf16 to finite `x`, saturating. */
export function floatToBf16Bits(x: number): number {
  f32[0] = x;
  return float32BitsToBf16Bits(u32[0]);
}

/** floatToBf16Bits on the float32 bit pattern. */
export function float32BitsToBf16Bits(bits: number): number {
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  // Rounding up past the largest finite value would give infinity: clamp instead.
  return (rounded & 0x7fff) > BF16_MAX_FINITE ? (rounded & 0x8000) | BF16_MAX_FINITE : rounded & 0xffff;
}

/** The float value of bf16 bits (exact). */
export function bf16BitsToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Every 16-bit pattern decoded once: decoding and search then cost one table read per value. */
export function decodeTable(kind: 'fp16' | 'bf16'): Float32Array {
  const cached = tables[kind];
  if (cached) return cached;
  const table = new Float32Array(65536);
  const convert = kind === 'fp16' ? halfBitsToFloat : bf16BitsToFloat;
  for (let i = 0; i < 65536; i++) table[i] = convert(i);
  tables[kind] = table;
  return table;
}
const tables: Partial<Record<'fp16' | 'bf16', Float32Array>> = {};
