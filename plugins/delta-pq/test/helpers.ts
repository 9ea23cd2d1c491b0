import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry, type DType, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { float64ToTensor, tensorToFloat64 } from '@reef/core/delta';
import { Rng } from '@reef/kernels';
import plugin from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const SAFETENSORS_DTYPES: Record<string, DType> = { F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64' };

/** A minimal safetensors reader for the tiny-mlp fixtures (written by PyTorch). */
export function fixtureTensor(dtype: 'f32' | 'f16' | 'bf16' | 'f64', name: string): Tensor {
  const file = readFileSync(`${FIXTURES}tiny-mlp-${dtype}.safetensors`);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  const entry = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  const body = 8 + headerLength;
  return { dtype: SAFETENSORS_DTYPES[entry.dtype], shape: entry.shape, data: new Uint8Array(file.subarray(body + entry.data_offsets[0], body + entry.data_offsets[1])) };
}

/** A 'fine-tuned' copy: every weight nudged by a seeded Gaussian step relative to the RMS. */
export function fineTuned(base: Tensor, rng: Rng, relative = 0.01): Tensor {
  const v = tensorToFloat64(base);
  const rms = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / Math.max(1, v.length));
  for (let i = 0; i < v.length; i++) v[i] += relative * rms * rng.normal();
  return float64ToTensor(v, base.dtype, base.shape);
}

/** target = reference + one of `patterns` random pieces of length `piece` per piece: a delta PQ can code well. */
export function patternedUpdate(reference: Tensor, rng: Rng, piece: number, patterns: number, noise = 0): Tensor {
  const v = tensorToFloat64(reference);
  const bank = Array.from({ length: patterns * piece }, () => rng.normal() * 0.01);
  for (let start = 0; start < v.length; start += piece) {
    const p = rng.int(patterns);
    for (let j = 0; j < piece && start + j < v.length; j++) v[start + j] += bank[p * piece + j] + noise * rng.normal();
  }
  return float64ToTensor(v, reference.dtype, reference.shape);
}

const registry = new Registry();
registry.use(plugin);
export function deltaType(id: string): DeltaTypePlugin {
  return registry.deltaType(id);
}

export async function roundTrip(id: string, target: Tensor, reference: Tensor, params?: Record<string, number | string | boolean>) {
  const type = deltaType(id);
  const payload = await type.encode(target, reference, params ? { params } : undefined);
  return { payload, decoded: await type.decode(payload, reference) };
}

/** Bytes a payload's arrays take. */
export function payloadBytes(p: { arrays: Record<string, { data: { byteLength: number } }> }): number {
  return Object.values(p.arrays).reduce((s, a) => s + a.data.byteLength, 0);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
