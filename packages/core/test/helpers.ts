import type { DType, Tensor } from '@reef/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

const SAFETENSORS_DTYPES: Record<string, DType> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8', U8: 'u8', BOOL: 'bool',
};

/** A minimal safetensors reader for test fixtures: 8-byte header length, JSON header, raw bytes. */
export function readSafetensors(path: string): Map<string, Tensor> {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const body = 8 + headerLength;
  const out = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    out.set(name, { dtype: SAFETENSORS_DTYPES[entry.dtype], shape: entry.shape, data: new Uint8Array(file.subarray(body + entry.data_offsets[0], body + entry.data_offsets[1])) });
  }
  return out;
}
