import { elementCount, type Tensor } from '@reef/core';
import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { float64ToTensor, readDeltaError, tensorToFloat64 } from '@reef/core/delta';
import { dequantizeAffine, quantizeAffine, type CodeBits } from '../src/index.js';
import { deltaType, fineTuned, fixtureTensor, maxAbsDiff, randomTensor, roundTrip, tensorOf } from './helpers.js';

/** Half the step of each channel's grid over the data's full range: the promised error bound. */
function halfSteps(values: Float64Array, channels: number, bits: CodeBits): { bound: number[]; magnitude: number[] } {
  const length = channels === 0 ? 0 : values.length / channels;
  const bound: number[] = [];
  const magnitude: number[] = [];
  for (let c = 0; c < channels; c++) {
    const ch = values.subarray(c * length, (c + 1) * length);
    const lo = ch.length ? Math.min(...ch) : 0;
    const hi = ch.length ? Math.max(...ch) : 0;
    bound.push((hi - lo) / (2 ** bits - 1) / 2);
    magnitude.push(Math.max(Math.abs(lo), Math.abs(hi)));
  }
  return { bound, magnitude };
}

/** Checks |decoded − values| ≤ step/2 per channel, allowing float64 rounding and the 2^-16 f32-grid slack. */
function expectWithinHalfStep(values: Float64Array, decoded: Float64Array, channels: number, bits: CodeBits): void {
  const { bound, magnitude } = halfSteps(values, channels, bits);
  const length = channels === 0 ? 0 : values.length / channels;
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / length);
    // Float64 rounding: a few ulps of the largest magnitude, and never finer than the smallest subnormal.
    const allowed = bound[c] * (1 + 2 ** -16) + 8 * 2 ** -52 * magnitude[c] + Number.MIN_VALUE;
    const err = Math.abs(decoded[i] - values[i]);
    if (err > allowed) expect.fail(`element ${i} (channel ${c}): error ${err} > half step ${bound[c]}`);
  }
}

function affineRoundTrip(values: Float64Array, channels: number, bits: CodeBits): Float64Array {
  return dequantizeAffine(quantizeAffine(values, channels, bits), channels, bits);
}

describe('affine quantization error bound (≤ half a step over the full range)', () => {
  const rng = new Rng(11);
  for (const bits of [8, 16] as const) {
    it(`int${bits}: random data, per tensor and per channel`, () => {
      for (const [channels, length] of [[1, 1000], [8, 125], [1000, 1]]) {
        const v = new Float64Array(channels * length);
        for (let i = 0; i < v.length; i++) v[i] = rng.normal() * 10 ** rng.int(6) * (rng.float() < 0.1 ? 100 : 1);
        expectWithinHalfStep(v, affineRoundTrip(v, channels, bits), channels, bits);
      }
    });

    it(`int${bits}: adversarial data`, () => {
      const cases: [string, number[], number][] = [
        ['constant channels', [3.25, 3.25, 3.25, -7, -7, -7], 2],
        ['zeros', [0, 0, 0, 0], 1],
        ['single element', [1e-30], 1],
        ['huge range', [-3.4e38, 3.4e38, 1, -1], 1],
        ['f64 extremes', [-8e307, 8e307, 0, 1e-300], 1],
        ['tiny values', [1e-320, -1e-320, 5e-324, 0], 1],
        ['one outlier', [0, 1e-6, 2e-6, 1e6], 1],
        ['values on grid midpoints', [0, 0.5 / 255, 1.5 / 255, 1], 1],
        ['empty', [], 1],
        ['empty channels', [], 3],
      ];
      for (const [name, values, channels] of cases) {
        const v = Float64Array.from(values);
        const decoded = affineRoundTrip(v, channels, bits);
        expect(decoded.length, name).toBe(v.length);
        expectWithinHalfStep(v, decoded, channels, bits);
      }
      const constant = Float64Array.from([3.25, 3.25, 3.25, -7, -7, -7]);
      expect([...affineRoundTrip(constant, 2, bits)]).toEqual([...constant]); // exact: step 0
    });
  }

  it('refuses a range float64 cannot hold', () => {
    expect(() => quantizeAffine(Float64Array.from([-1.5e308, 1.5e308]), 1, 8)).toThrow(/range float64 cannot hold/);
  });

  it('stores grids in float32 when faithful, float64 when not', () => {
    expect(quantizeAffine(Float64Array.from([0, 0.5, 1]), 1, 8).steps).toBeInstanceOf(Float32Array);
    expect(quantizeAffine(Float64Array.from([0, 1e300]), 1, 8).steps).toBeInstanceOf(Float64Array);
    expect(quantizeAffine(Float64Array.from([0.1, 0.1]), 1, 8).offsets).toBeInstanceOf(Float64Array); // 0.1 is not a float32
  });
});

describe.each([8, 16] as const)('int%i delta type', (bits) => {
  const id = `int${bits}`;

  it('f64 tensors: decoded − target within half a step of the delta, per channel and per tensor', async () => {
    const rng = new Rng(bits);
    const reference = randomTensor('f64', [16, 40], rng);
    const target = fineTuned(reference, rng, 0.05);
    const delta = tensorToFloat64(target).map((t, i) => t - tensorToFloat64(reference)[i]);
    for (const granularity of ['channel', 'tensor'] as const) {
      const { payload, decoded } = await roundTrip(id, target, reference, { granularity });
      const channels = granularity === 'channel' ? 16 : 1;
      expect(payload.attributes.channels).toBe(channels);
      const decodedDelta = tensorToFloat64(decoded).map((d, i) => d - tensorToFloat64(reference)[i]);
      expectWithinHalfStep(delta, decodedDelta, channels, bits);
    }
  });

  it('per-channel keeps small-scale channels precise where per-tensor cannot', async () => {
    const rng = new Rng(5);
    const values = new Float64Array(8 * 50);
    // Channel c has scale 10^(c-4): one grid for the whole tensor is far too coarse for channel 0.
    for (let i = 0; i < values.length; i++) values[i] = rng.normal() * 10 ** (Math.floor(i / 50) - 4);
    const reference = tensorOf('f64', [8, 50], new Float64Array(values.length));
    const target = tensorOf('f64', [8, 50], values);
    const channel0Error = async (granularity: string) => {
      const d = tensorToFloat64((await roundTrip(id, target, reference, { granularity })).decoded);
      return maxAbsDiff(d.subarray(0, 50), values.subarray(0, 50));
    };
    expect(await channel0Error('channel')).toBeLessThan((await channel0Error('tensor')) / 1000);
  });

  it('real weights (tiny-mlp fixture, fine-tuned): recorded error equals the error of decoding', async () => {
    const rng = new Rng(42);
    for (const dtype of ['f32', 'f16', 'bf16', 'f64'] as const) {
      for (const name of ['0.weight', '0.bias', '2.weight']) {
        const reference = fixtureTensor(dtype, name);
        const target = fineTuned(reference, rng);
        const { payload, decoded } = await roundTrip(id, target, reference);
        expect(decoded.dtype).toBe(dtype);
        expect(decoded.shape).toEqual(reference.shape);
        const t = tensorToFloat64(target);
        const d = tensorToFloat64(decoded);
        const recorded = readDeltaError(payload);
        expect(recorded.maxAbs).toBe(maxAbsDiff(t, d));
        const err = Math.hypot(...t.map((x, i) => x - d[i]));
        expect(recorded.relL2).toBeCloseTo(err / Math.hypot(...t), 12);
        // 1% fine-tuning step: int8 keeps the relative error well under 1e-3 of the weights.
        expect(recorded.relL2).toBeLessThan(dtype === 'bf16' || dtype === 'f16' ? 2e-3 : bits === 8 ? 1e-3 : 1e-5);
        // Codes take one (int8) or two (int16) bytes per element.
        expect((payload.arrays.codes.data as Int8Array).BYTES_PER_ELEMENT).toBe(bits / 8);
      }
    }
  });

  it("coding 'deflate' decodes to the same tensor as plain codes, smaller, byte planes and all", async () => {
    const rng = new Rng(77);
    for (const granularity of ['channel', 'tensor']) {
      const reference = fixtureTensor('f32', '0.weight');
      // A fine-tuning step with one outlier (as real deltas have): the grid spans it, codes crowd.
      const values = tensorToFloat64(fineTuned(reference, rng));
      values[7] += 0.5;
      const target = float64ToTensor(values, 'f32', reference.shape);
      const plain = await roundTrip(id, target, reference, { granularity });
      const packed = await roundTrip(id, target, reference, { granularity, coding: 'deflate' });
      expect(Buffer.from(packed.decoded.data).equals(Buffer.from(plain.decoded.data))).toBe(true);
      const bytes = (packed.payload.arrays.codes_deflated ?? packed.payload.arrays.codes).data.byteLength;
      expect(bytes).toBeLessThanOrEqual(plain.payload.arrays.codes.data.byteLength);
      // One grid for the whole tensor leaves the codes crowded near its middle: they deflate.
      if (granularity === 'tensor') expect(bytes).toBeLessThan(0.7 * plain.payload.arrays.codes.data.byteLength);
      expect(readDeltaError(packed.payload)).toEqual(readDeltaError(plain.payload));
    }
    // Where deflating does not pay (four codes) the codes stay plain.
    const small = tensorOf('f32', [4], [0.5, -0.25, 1, 2]);
    const kept = await roundTrip(id, tensorOf('f32', [4], [0.51, -0.2, 0.9, 2.1]), small, { coding: 'deflate' });
    expect(kept.payload.arrays.codes_deflated).toBeUndefined();
    expect(kept.payload.attributes.coding).toBeUndefined();
    const reference = fixtureTensor('f32', '0.weight');
    const values = tensorToFloat64(fineTuned(reference, rng));
    values[7] += 0.5;
    const { payload } = await roundTrip(id, float64ToTensor(values, 'f32', reference.shape), reference, { granularity: 'tensor', coding: 'deflate' });
    const truncated = { ...payload, arrays: { ...payload.arrays, codes_deflated: { data: payload.arrays.codes_deflated.data.slice(0, 5), shape: [5] } } };
    await expect(async () => deltaType(id).decode(truncated, reference)).rejects.toThrow(/codes_deflated (does not inflate|holds)/);
  });

  it('int16 is more precise than int8 on the same delta', async () => {
    if (bits === 8) return;
    const rng = new Rng(3);
    const reference = fixtureTensor('f64', '0.weight');
    const target = fineTuned(reference, rng);
    const e8 = readDeltaError((await roundTrip('int8', target, reference)).payload);
    const e16 = readDeltaError((await roundTrip('int16', target, reference)).payload);
    expect(e16.maxAbs).toBeLessThan(e8.maxAbs / 100);
  });

  it('handles empty, scalar, single-element and huge-range tensors', async () => {
    const cases: [Tensor, Tensor][] = [
      [tensorOf('f32', [0], []), tensorOf('f32', [0], [])],
      [tensorOf('f32', [0, 4], []), tensorOf('f32', [0, 4], [])],
      [tensorOf('f16', [3, 0], []), tensorOf('f16', [3, 0], [])],
      [tensorOf('f32', [], [2.5]), tensorOf('f32', [], [1])],
      [tensorOf('bf16', [1], [-4]), tensorOf('bf16', [1], [3])],
      [tensorOf('f32', [2, 2], [3.4e38, -3.4e38, 1, 0]), tensorOf('f32', [2, 2], [-3.4e38, 3.4e38, 0, 1])],
    ];
    for (const [target, reference] of cases) {
      const { payload, decoded } = await roundTrip(id, target, reference);
      expect(decoded.shape).toEqual(target.shape);
      expect(decoded.data.length).toBe(target.data.length);
      if (elementCount(target.shape) === 1) expect([...decoded.data]).toEqual([...target.data]); // one value: exact
      const t = tensorToFloat64(target);
      const d = tensorToFloat64(decoded);
      expect(readDeltaError(payload).maxAbs).toBe(maxAbsDiff(t, d));
      if (t.length === 4) {
        // Per-channel rows [6.8e38, −6.8e38] and [1, −1]: within half a step of each row's range.
        expect(Math.abs(d[0] - t[0])).toBeLessThanOrEqual((6.8e38 * 2) / (2 ** bits - 1) / 2 + 2 ** 104);
        expect(Math.abs(d[2] - t[2])).toBeLessThanOrEqual(2 / (2 ** bits - 1) / 2 + 1e-7);
      }
    }
  });

  it('never rounds a finite target to infinity near the top of the f16 range', async () => {
    // Deltas [64707.5, 65504, 0]: with int8's step of 256.9 the first rounds up by ~26, and
    // 796.5 + 64733.3 = 65529.8 lies past f16's 65520 rounding edge: it must clamp to 65504.
    const reference = tensorOf('f16', [3], [796.5, -65504, 0]);
    const target = tensorOf('f16', [3], [65504, 0, 0]);
    const { payload, decoded } = await roundTrip(id, target, reference);
    const d = tensorToFloat64(decoded);
    expect(d.every(Number.isFinite)).toBe(true);
    expect(readDeltaError(payload).maxAbs).toBeLessThanOrEqual(65504 / (2 ** bits - 1) / 2 + 32);
  });

  it('constant per-channel deltas decode exactly', async () => {
    const reference = tensorOf('f32', [3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const target = float64ToTensor(tensorToFloat64(reference).map((x, i) => x + [0.5, -2, 0][Math.floor(i / 4)]), 'f32', [3, 4]);
    const { payload, decoded } = await roundTrip(id, target, reference);
    expect([...decoded.data]).toEqual([...target.data]);
    expect(readDeltaError(payload)).toEqual({ maxAbs: 0, relL2: 0 });
  });
});
