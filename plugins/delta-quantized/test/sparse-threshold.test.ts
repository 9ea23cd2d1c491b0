import { DTYPE_BYTES } from '@reef/core';
import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { readDeltaError, tensorToFloat64 } from '@reef/core/delta';
import { selectEntries } from '../src/index.js';
import { fineTuned, fixtureTensor, maxAbsDiff, randomTensor, roundTrip } from './helpers.js';

describe('sparse-threshold delta type', () => {
  it('is exact where kept and off by at most the threshold elsewhere, in every float dtype', async () => {
    const rng = new Rng(9);
    for (const dtype of ['f32', 'f16', 'bf16', 'f64'] as const) {
      const reference = fixtureTensor(dtype, '0.weight');
      const target = fineTuned(reference, rng, 0.02);
      const t = tensorToFloat64(target);
      const r = tensorToFloat64(reference);
      const threshold = 0.002;
      const { payload, decoded } = await roundTrip('sparse-threshold', target, reference, { threshold });
      const d = tensorToFloat64(decoded);
      const width = DTYPE_BYTES[dtype];
      let kept = 0;
      for (let i = 0; i < t.length; i++) {
        const bytes = (x: Uint8Array) => [...x.subarray(i * width, (i + 1) * width)];
        if (Math.abs(t[i] - r[i]) > threshold) {
          kept++;
          expect(bytes(decoded.data), `${dtype} element ${i} kept`).toEqual(bytes(target.data));
        } else {
          expect(bytes(decoded.data), `${dtype} element ${i} dropped`).toEqual(bytes(reference.data));
        }
      }
      expect(payload.attributes.kept).toBe(kept);
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(t.length);
      const recorded = readDeltaError(payload);
      expect(recorded.maxAbs).toBe(maxAbsDiff(t, d));
      expect(recorded.maxAbs).toBeLessThanOrEqual(threshold);
    }
  });

  it('keep_fraction keeps the largest changes only', async () => {
    const rng = new Rng(4);
    const reference = randomTensor('f32', [40, 25], rng);
    const target = fineTuned(reference, rng, 0.05);
    const delta = tensorToFloat64(target).map((x, i) => Math.abs(x - tensorToFloat64(reference)[i]));
    const { payload } = await roundTrip('sparse-threshold', target, reference, { keep_fraction: 0.1 });
    expect(payload.attributes.kept).toBe(100);
    const kept = selectEntries(delta, 0, 0.1);
    const smallestKept = Math.min(...kept.map((i) => delta[i]));
    const keptSet = new Set(kept);
    const largestDropped = Math.max(...[...delta].filter((_, i) => !keptSet.has(i)));
    expect(smallestKept).toBeGreaterThanOrEqual(largestDropped);
    // Error falls as more is kept.
    const e10 = readDeltaError(payload).relL2;
    const e50 = readDeltaError((await roundTrip('sparse-threshold', target, reference, { keep_fraction: 0.5 })).payload).relL2;
    expect(e50).toBeLessThan(e10);
  });

  it('selectEntries: equal magnitudes are kept in index order, the threshold always applies', () => {
    expect(selectEntries(Float64Array.from([1, -1, 1, -1, 1, -1]), 0, 0.5)).toEqual([0, 1, 2]);
    expect(selectEntries(Float64Array.from([0.1, -3, 2, 2, 0.5]), 0, 0.4)).toEqual([1, 2]);
    expect(selectEntries(Float64Array.from([0.1, -3, 2, 2, 0.5]), 2, 1)).toEqual([1]);
    expect(selectEntries(Float64Array.from([0.1, -3, 2, 2, 0.5]), 0.2, 0)).toEqual([]);
    expect(selectEntries(Float64Array.from([0, 0, 5, 0]), 0, 0.75)).toEqual([2]);
  });

  it('defaults keep every changed entry: byte-exact for finite data, zero error recorded', async () => {
    const rng = new Rng(8);
    const reference = randomTensor('bf16', [300], rng);
    const target = fineTuned(reference, rng);
    const { payload, decoded } = await roundTrip('sparse-threshold', target, reference);
    expect(Buffer.from(decoded.data).equals(Buffer.from(target.data))).toBe(true);
    expect(readDeltaError(payload)).toEqual({ maxAbs: 0, relL2: 0 });
    expect(payload.arrays.values.data).toBeInstanceOf(Uint16Array); // bf16 bit patterns
  });

  it('uint32 and varint index codings decode the same; varint is smaller on dense changes', async () => {
    const rng = new Rng(2);
    const reference = randomTensor('f32', [2000], rng);
    const target = fineTuned(reference, rng);
    const a = await roundTrip('sparse-threshold', target, reference, { keep_fraction: 0.3, index_coding: 'uint32' });
    const b = await roundTrip('sparse-threshold', target, reference, { keep_fraction: 0.3, index_coding: 'varint' });
    expect(Buffer.from(a.decoded.data).equals(Buffer.from(b.decoded.data))).toBe(true);
    expect(a.payload.arrays.indices.data).toBeInstanceOf(Uint32Array);
    expect(b.payload.arrays.indices.data.byteLength).toBeLessThan(a.payload.arrays.indices.data.byteLength / 2);
  });
});
