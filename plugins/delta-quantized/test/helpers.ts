import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry, type DType, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { Rng } from '@reef/kernels';
import plugin from '../src/index.js';
import { float64ToTensor, tensorToFloat64 } from '@reef/core/delta';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

const SAFETENSORS_DTYPES: Record<string, DType> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8', U8: 'u8', BOOL: 'bool',
};

/** A minimal safetensors reader for test fixtures: 8-byte header length, JSON header, raw bytes. */
export function readSafetensors(path: string): Map<string, Tensor> {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const body = 8 + headerLength;
  const out = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [start, end] = entry.data_offsets;
    out.set(name, { dtype: SAFETENSORS_DTYPES[entry.dtype], shape: entry.shape, data: new Uint8Array(file.subarray(body + start, body + end)) });
  }
  return out;
}

export function fixtureTensor(dtype: 'f32' | 'f16' | 'bf16' | 'f64', name: string): Tensor {
  const t = readSafetensors(`${FIXTURES}tiny-mlp-${dtype}.safetensors`).get(name);
  if (!t) throw new Error(`fixture has no tensor ${name}`);
  return t;
}

/** A 'fine-tuned' copy: every weight nudged by a seeded Gaussian step of the given relative size. */
export function fineTuned(base: Tensor, rng: Rng, relative = 0.01): Tensor {
  const v = tensorToFloat64(base);
  let rms = 0;
  for (const x of v) rms += x * x;
  rms = Math.sqrt(rms / Math.max(1, v.length));
  for (let i = 0; i < v.length; i++) v[i] += relative * rms * rng.normal();
  return float64ToTensor(v, base.dtype, base.shape);
}

export function tensorOf(dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
  return float64ToTensor(Float64Array.from(values), dtype, shape);
}

export function randomTensor(dtype: DType, shape: number[], rng: Rng, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return float64ToTensor(v, dtype, shape);
}

const registry = new Registry();
registry.use(plugin);
export function deltaType(id: string): DeltaTypePlugin {
  return registry.deltaType(id);
}

/** Encodes and decodes synchronously-or-not, returning payload and decoded tensor. */
export async function roundTrip(id: string, target: Tensor, reference: Tensor, params?: Record<string, number | string | boolean>) {
  const type = deltaType(id);
  const payload = await type.encode(target, reference, params ? { params } : undefined);
  const decoded = await type.decode(payload, reference);
  return { payload, decoded };
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
