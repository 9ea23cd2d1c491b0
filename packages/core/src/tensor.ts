import { ReefError } from './errors.js';

/**
 * Tensor element types, named as in safetensors but lower-case; the 8-bit floats are safetensors'
 * F8_E4M3 (`f8e4m3`: OCP/PyTorch float8_e4m3fn, no infinities, max 448) and F8_E5M2 (`f8e5m2`).
 */
export type DType = 'f64' | 'f32' | 'f16' | 'bf16' | 'f8e4m3' | 'f8e5m2' | 'i64' | 'i32' | 'i16' | 'i8' | 'u64' | 'u32' | 'u16' | 'u8' | 'bool';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  f64: 8, f32: 4, f16: 2, bf16: 2, f8e4m3: 1, f8e5m2: 1, i64: 8, i32: 4, i16: 2, i8: 1, u64: 8, u32: 4, u16: 2, u8: 1, bool: 1,
};

export const DTYPES = Object.keys(DTYPE_BYTES) as DType[];

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'f64' || dtype === 'f32' || dtype === 'f16' || dtype === 'bf16' || dtype === 'f8e4m3' || dtype === 'f8e5m2';
}

/**
 * A tensor as stored: element type, shape and the raw little-endian bytes. Keeping bytes rather
 * than a typed array lets lossless codecs work on bit patterns (NaN payloads, -0) and covers
 * f16/bf16, which have no JavaScript typed array.
 */
export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Checks dtype, shape and that the byte length matches; returns the element count. */
export function assertTensor(t: Tensor, what = 'tensor'): number {
  if (!t || !(t.dtype in DTYPE_BYTES)) {
    throw new ReefError('BAD_TENSOR', `${what} has unknown dtype ${JSON.stringify(t?.dtype)}; known: ${DTYPES.join(', ')}`);
  }
  if (!Array.isArray(t.shape) || t.shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ReefError('BAD_TENSOR', `${what} has invalid shape ${JSON.stringify(t.shape)}`);
  }
  if (!(t.data instanceof Uint8Array)) {
    throw new ReefError('BAD_TENSOR', `${what} data must be a Uint8Array of raw bytes`);
  }
  const n = elementCount(t.shape);
  const expected = n * DTYPE_BYTES[t.dtype];
  if (t.data.length !== expected) {
    throw new ReefError(
      'BAD_TENSOR',
      `${what} of dtype ${t.dtype} and shape [${t.shape.join(', ')}] needs ${expected} bytes, got ${t.data.length}`,
    );
  }
  return n;
}
