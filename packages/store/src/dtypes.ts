import type { DType } from '@reef/core';

/** The dtype names of the file formats the store reads and writes (values: @reef/codecs's dtype-float). */

/** safetensors dtype names (upper case) to Reef's. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', F8_E4M3: 'f8e4m3', F8_E5M2: 'f8e5m2', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8',
  U64: 'u64', U32: 'u32', U16: 'u16', U8: 'u8', BOOL: 'bool',
};

export const TO_SAFETENSORS: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([k, v]) => [v, k]),
) as Record<DType, string>;

/** numpy `descr` strings (little-endian or byte-order free) to Reef's. bf16 and the 8-bit floats have no numpy dtype. */
export const NPY_DTYPES: Readonly<Record<string, DType>> = {
  '<f8': 'f64', '<f4': 'f32', '<f2': 'f16', '<i8': 'i64', '<i4': 'i32', '<i2': 'i16', '|i1': 'i8', '<i1': 'i8',
  '<u8': 'u64', '<u4': 'u32', '<u2': 'u16', '|u1': 'u8', '<u1': 'u8', '|b1': 'bool',
};

export const TO_NPY: Readonly<Record<DType, string | undefined>> = {
  f64: '<f8', f32: '<f4', f16: '<f2', bf16: undefined, f8e4m3: undefined, f8e5m2: undefined, i64: '<i8', i32: '<i4', i16: '<i2', i8: '|i1',
  u64: '<u8', u32: '<u4', u16: '<u2', u8: '|u1', bool: '|b1',
};
