import { DTYPE_BYTES, type DType, type Tensor } from '@reef/core';
import { float64ToTensor, toFloat64 } from '@reef/core/dtype';
import { expectReefError } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import { castOfTargetFraction, widen } from '../src/widen.js';

const MANTISSA_BITS: Partial<Record<DType, number>> = { f64: 52, f32: 23, f16: 10, bf16: 7 };
const PAIRS: readonly [DType, DType][] = [['bf16', 'f32'], ['f16', 'f32'], ['f32', 'f64'], ['f16', 'f64'], ['bf16', 'f64']];

/** Seeded weights of magnitudes 1e-3 to 1 (normal numbers in every float dtype, as trained weights mostly are). */
function weights(dtype: DType, n: number): Tensor {
  return float64ToTensor(Float64Array.from({ length: n }, (_, i) => (0.1 + Math.abs(Math.sin(i * 0.731 + 1))) * 10 ** ((i % 4) - 3) * (i % 3 ? 1 : -1)), dtype, [n]);
}

function randomBits(dtype: DType, n: number, seed: number): Tensor {
  const data = new Uint8Array(n * DTYPE_BYTES[dtype]);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { dtype, shape: [n], data };
}

function payloadBytes(p: { arrays: Record<string, { data: unknown }>; attributes: object }): number {
  return JSON.stringify(p.attributes).length + Object.values(p.arrays).reduce((n, a) => n + (a.data as Uint8Array).byteLength, 0);
}

async function roundTrip(target: Tensor, reference: Tensor): Promise<number> {
  const payload = await widen.encode(target, reference);
  const back = await widen.decode(payload, reference);
  expect(back.dtype).toBe(target.dtype);
  expect([...back.shape]).toEqual([...target.shape]);
  expect(Buffer.from(back.data).equals(Buffer.from(target.data)), 'decoded bytes differ from the target').toBe(true);
  return payloadBytes(payload as never);
}

describe('widen delta type', () => {
  for (const [narrow, wide] of PAIRS) {
    it(`codes ${wide} against its ${narrow} copy byte-exact, in about the bits the copy dropped`, async () => {
      const target = weights(wide, 8000);
      const reference = float64ToTensor(toFloat64(target), narrow, target.shape);
      expect(widen.worthTrying!(target, reference)).toBe(true);
      const bytes = await roundTrip(target, reference);
      // About the mantissa bits the narrow copy dropped, plus ~2 bits per element where its rounding
      // carried into the bits it kept (half the elements round up), plus the payload's header.
      const dropped = MANTISSA_BITS[wide]! - MANTISSA_BITS[narrow]!;
      expect(bytes).toBeLessThan((8000 * (dropped + 2)) / 8 + 400);
    });

    it(`round-trips arbitrary ${wide} bits against arbitrary ${narrow} bits`, async () => {
      const target = randomBits(wide, 2001, 5);
      const reference = randomBits(narrow, 2001, 17);
      expect(castOfTargetFraction(target, reference)).toBeLessThan(0.1);
      expect(widen.worthTrying!(target, reference)).toBe(false);
      await roundTrip(target, reference);
    });
  }

  it('refuses what is not a widening of a float copy', () => {
    expect(widen.supports!(weights('f32', 8), weights('f32', 8))).toMatch(/f32→f32/);
    expect(widen.supports!(weights('bf16', 8), weights('f32', 8))).toMatch(/f32→bf16/);
    expect(widen.supports!(weights('f32', 8), weights('bf16', 9))).toMatch(/9/);
    expect(widen.supports!(weights('f32', 8), weights('bf16', 8))).toBeUndefined();
    expectReefError(() => widen.encode(weights('f16', 8), weights('bf16', 8)), 'UNSUPPORTED', 'bf16→f16');
  });
});
