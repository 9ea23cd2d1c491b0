import { DTYPE_BYTES, ReefError, elementCount, type DType, type Tensor } from '@reef/core';

/** safetensors dtype names (upper case) to Reef's. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8',
  U64: 'u64', U32: 'u32', U16: 'u16', U8: 'u8', BOOL: 'bool',
};

export const TO_SAFETENSORS: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([k, v]) => [v, k]),
) as Record<DType, string>;

/** numpy `descr` strings (little-endian or byte-order free) to Reef's. bf16 has no numpy dtype. */
export const NPY_DTYPES: Readonly<Record<string, DType>> = {
  '<f8': 'f64', '<f4': 'f32', '<f2': 'f16', '<i8': 'i64', '<i4': 'i32', '<i2': 'i16', '|i1': 'i8', '<i1': 'i8',
  '<u8': 'u64', '<u4': 'u32', '<u2': 'u16', '|u1': 'u8', '<u1': 'u8', '|b1': 'bool',
};

export const TO_NPY: Readonly<Record<DType, string | undefined>> = {
  f64: '<f8', f32: '<f4', f16: '<f2', bf16: undefined, i64: '<i8', i32: '<i4', i16: '<i2', i8: '|i1',
  u64: '<u8', u32: '<u4', u16: '<u2', u8: '|u1', bool: '|b1',
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** Round-to-nearest-even f32 -> bf16 bits (NaN kept quiet). */
function floatToBf16(x: number): number {
  f32buf[0] = x;
  const bits = u32buf[0];
  if (Number.isNaN(x)) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Round-to-nearest f64 -> f16 bits, handling subnormals, overflow to Inf and NaN. */
function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  let m = Math.round((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  return sign | ((e + 15) << 10) | m;
}

/** Element values as float64, for norms and merges (integers exact up to 2^53). */
export function toFloat64(t: Tensor): Float64Array {
  const n = elementCount(t.shape);
  const v = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float64Array(n);
  const w = DTYPE_BYTES[t.dtype];
  for (let i = 0; i < n; i++) {
    const o = i * w;
    switch (t.dtype) {
      case 'f64': out[i] = v.getFloat64(o, true); break;
      case 'f32': out[i] = v.getFloat32(o, true); break;
      case 'f16': out[i] = halfToFloat(v.getUint16(o, true)); break;
      case 'bf16': u32buf[0] = v.getUint16(o, true) << 16; out[i] = f32buf[0]; break;
      case 'i64': out[i] = Number(v.getBigInt64(o, true)); break;
      case 'u64': out[i] = Number(v.getBigUint64(o, true)); break;
      case 'i32': out[i] = v.getInt32(o, true); break;
      case 'u32': out[i] = v.getUint32(o, true); break;
      case 'i16': out[i] = v.getInt16(o, true); break;
      case 'u16': out[i] = v.getUint16(o, true); break;
      case 'i8': out[i] = v.getInt8(o); break;
      case 'u8': case 'bool': out[i] = v.getUint8(o); break;
    }
  }
  return out;
}

/** Values back to a float tensor of `dtype`, rounding to nearest. Only float dtypes. */
export function fromFloat64(dtype: DType, shape: readonly number[], values: Float64Array): Tensor {
  const w = DTYPE_BYTES[dtype];
  const data = new Uint8Array(values.length * w);
  const v = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) {
    switch (dtype) {
      case 'f64': v.setFloat64(i * 8, values[i], true); break;
      case 'f32': v.setFloat32(i * 4, values[i], true); break;
      case 'f16': v.setUint16(i * 2, floatToHalf(values[i]), true); break;
      case 'bf16': v.setUint16(i * 2, floatToBf16(values[i]), true); break;
      default: throw new ReefError('UNSUPPORTED', `cannot write computed values as ${dtype}; only float tensors can be averaged`);
    }
  }
  return { dtype, shape: [...shape], data };
}
