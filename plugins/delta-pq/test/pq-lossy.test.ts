import { Rng } from '@reef/kernels';
import { readDeltaError, tensorToFloat64 } from '@reef/core/delta';
import { describe, expect, it } from 'vitest';
import { fineTuned, fixtureTensor, patternedUpdate, roundTrip, sameBytes } from './helpers.js';

describe('pq-lossy delta type', () => {
  it('records exactly the error decoding gives, on fine-tuned real weights in every float dtype', async () => {
    const rng = new Rng(1);
    for (const dtype of ['f32', 'f16', 'bf16', 'f64'] as const) {
      const reference = fixtureTensor(dtype, '0.weight'); // 32 × 64
      const target = fineTuned(reference, rng);
      const { payload, decoded } = await roundTrip('pq-lossy', target, reference);
      const t = tensorToFloat64(target);
      const d = tensorToFloat64(decoded);
      const e = readDeltaError(payload);
      expect(e.maxAbs).toBe(Math.max(...t.map((x, i) => Math.abs(x - d[i]))));
      expect(e.relL2).toBeCloseTo(Math.hypot(...t.map((x, i) => x - d[i])) / Math.hypot(...t), 12);
      // A 1% update coded at 4 bits per value: the decoded tensor is far closer than the reference.
      const r = tensorToFloat64(reference);
      const referenceError = Math.hypot(...t.map((x, i) => x - r[i])) / Math.hypot(...t);
      expect(e.relL2).toBeLessThan(referenceError * 0.7);
    }
  });

  it('codes a delta made of a few repeated patterns almost exactly', async () => {
    const rng = new Rng(2);
    const reference = fixtureTensor('f64', '0.weight');
    const target = patternedUpdate(reference, rng, 8, 16);
    const t = tensorToFloat64(target);
    const r = tensorToFloat64(reference);
    const referenceError = Math.hypot(...t.map((x, i) => x - r[i])) / Math.hypot(...t);
    const { payload } = await roundTrip('pq-lossy', target, reference, { sub_vector: 8, m: 1, nbits: 6 });
    // 16 patterns, 64 centroids: k-means finds (nearly) every pattern.
    expect(readDeltaError(payload).relL2).toBeLessThan(referenceError / 100);
  });

  it('error falls with more bits and more sub-quantizers', async () => {
    const rng = new Rng(3);
    const reference = fixtureTensor('f32', '0.weight');
    const target = fineTuned(reference, rng, 0.05);
    const err = async (m: number, nbits: number) => readDeltaError((await roundTrip('pq-lossy', target, reference, { m, nbits })).payload).relL2;
    const coarse = await err(2, 4);
    const finer = await err(4, 6);
    const finest = await err(8, 8);
    expect(finer).toBeLessThan(coarse);
    expect(finest).toBeLessThan(finer);
  });

  it('keeps the codebook as its own array, and is deterministic for a seed', async () => {
    const rng = new Rng(4);
    const reference = fixtureTensor('f32', '2.weight'); // 10 × 32 = 40 vectors of 8
    const target = fineTuned(reference, rng);
    const a = await roundTrip('pq-lossy', target, reference, { nbits: 8 });
    const b = await roundTrip('pq-lossy', target, reference, { nbits: 8 });
    expect(a.payload.attributes.pq_nbits).toBe(5); // lowered: 40 vectors cannot train 256 centroids
    expect(a.payload.arrays.pq_codebook.data).toBeInstanceOf(Float32Array);
    expect(a.payload.arrays.pq_codebook.data.length).toBe(2 ** 5 * 8);
    expect(sameBytes(a.decoded.data, b.decoded.data)).toBe(true);
    // A store can take the codebook out (to /pq_codebooks) and put it back before decoding.
    const { pq_codebook, ...rest } = a.payload.arrays;
    const restored = { arrays: { ...rest, pq_codebook }, attributes: a.payload.attributes };
    const { deltaType } = await import('./helpers.js');
    expect(sameBytes((await deltaType('pq-lossy').decode(restored, reference)).data, a.decoded.data)).toBe(true);
  });
});
