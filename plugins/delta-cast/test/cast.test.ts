import { DTYPE_BYTES, type DType, type Tensor } from '@reef/core';
import { float64ToTensor, toFloat64 } from '@reef/core/dtype';
import { expectReefError } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import { cast, mispredictedFraction } from '../src/cast.js';
import { f32BitsToBf16 } from '../src/rules.js';

const PAIRS: readonly [DType, DType][] = [['f32', 'bf16'], ['f32', 'f16'], ['f64', 'f32'], ['f64', 'f16'], ['f64', 'bf16']];

/** Seeded weights of several magnitudes (down to subnormal-sized ones for the narrow formats). */
function weights(dtype: DType, n: number, seed = 1): Tensor {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.731 + seed) * 10 ** ((i % 7) - 5);
  return float64ToTensor(v, dtype, [n]);
}

/** Uniform random bit patterns (NaN payloads, infinities, subnormals included). */
function randomBits(dtype: DType, n: number, seed: number): Tensor {
  const data = new Uint8Array(n * DTYPE_BYTES[dtype]);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { dtype, shape: [n], data };
}

/** The cast by core's IEEE rounding from float64 (an implementation independent of the plugin's). */
function ieeeCast(reference: Tensor, to: DType): Tensor {
  return float64ToTensor(toFloat64(reference), to, reference.shape);
}

async function roundTrip(target: Tensor, reference: Tensor): Promise<number> {
  const payload = await cast.encode(target, reference);
  const back = await cast.decode(payload, reference);
  expect(back.dtype).toBe(target.dtype);
  expect([...back.shape]).toEqual([...target.shape]);
  expect(Buffer.from(back.data).equals(Buffer.from(target.data)), 'decoded bytes differ from the target').toBe(true);
  return Number(payload.attributes.exceptions);
}

describe('cast delta type', () => {
  for (const [from, to] of PAIRS) {
    it(`stores an IEEE ${from}→${to} cast as the rule alone, byte-exact`, async () => {
      const reference = weights(from, 5000);
      const target = ieeeCast(reference, to);
      const payload = await cast.encode(target, reference);
      expect(payload.attributes.exceptions).toBe(0);
      expect(Object.keys(payload.arrays)).toEqual([]);
      expect(await roundTrip(target, reference)).toBe(0);
      expect(cast.worthTrying!(target, reference)).toBe(true);
    });

    it(`round-trips arbitrary ${to} bits against arbitrary ${from} bits`, async () => {
      const reference = randomBits(from, 3001, 11);
      const target = randomBits(to, 3001, 29);
      expect(await roundTrip(target, reference)).toBeGreaterThan(2900);
      expect(cast.worthTrying!(target, reference)).toBe(false);
    });
  }

  it('stores a near-cast as exactly its differing elements', async () => {
    const reference = weights('f32', 20_000);
    const target = ieeeCast(reference, 'bf16');
    const ref = new DataView(reference.data.buffer, reference.data.byteOffset);
    const out = new DataView(target.data.buffer, target.data.byteOffset);
    // Every 97th element rounded another way (truncated instead of to nearest even).
    let changed = 0;
    for (let i = 0; i < 20_000; i += 97) {
      const truncated = ref.getUint32(i * 4, true) >>> 16;
      if (truncated !== out.getUint16(i * 2, true)) changed++;
      out.setUint16(i * 2, truncated, true);
    }
    expect(changed).toBeGreaterThan(50);
    expect(mispredictedFraction(target, reference)).toBeLessThan(0.05);
    expect(await roundTrip(target, reference)).toBe(changed);
  });

  it('round-trips special values: signed zeros, infinities, NaN payloads, subnormals, overflow', async () => {
    const specials = new Float32Array([0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4028234e38, -3.4e38, 1.17e-38, 65520, 6e-8]);
    const bits = new Uint32Array(specials.buffer);
    bits[4] = 0xffc0beef; // a negative NaN with a payload
    const reference: Tensor = { dtype: 'f32', shape: [specials.length], data: new Uint8Array(specials.buffer) };
    for (const to of ['bf16', 'f16'] as const) await roundTrip(ieeeCast(reference, to), reference);
    expect(f32BitsToBf16(bits[7])).toBe(0x7f80); // overflow rounds to infinity, as an IEEE cast does
    expect(f32BitsToBf16(0x3f808000)).toBe(0x3f80); // tie: to even, down
    expect(f32BitsToBf16(0x3f818000)).toBe(0x3f82); // tie: to even, up
  });

  it('keeps a multi-dimensional shape, and codes an empty tensor', async () => {
    const reference = { ...weights('f32', 24), shape: [2, 3, 4] };
    expect(await roundTrip(ieeeCast(reference, 'f16'), reference)).toBe(0);
    const empty: Tensor = { dtype: 'f32', shape: [0], data: new Uint8Array(0) };
    expect(await roundTrip({ dtype: 'bf16', shape: [0], data: new Uint8Array(0) }, empty)).toBe(0);
  });

  it('refuses what is not a narrowing float cast, with the reason', () => {
    const f32 = weights('f32', 8);
    expect(cast.supports!(weights('f32', 8), f32)).toMatch(/f32→f32/);
    expect(cast.supports!(weights('f64', 8), f32)).toMatch(/f32→f64/);
    expect(cast.supports!({ dtype: 'i16', shape: [8], data: new Uint8Array(16) }, f32)).toMatch(/f32→i16/);
    expect(cast.supports!(weights('bf16', 9), f32)).toMatch(/9 elements/);
    expect(cast.supports!(weights('bf16', 8), f32)).toBeUndefined();
    expectReefError(() => cast.encode(weights('f16', 8), weights('bf16', 8)), 'UNSUPPORTED', 'bf16→f16');
  });

  it('refuses a payload that does not match its reference', async () => {
    const reference = weights('f32', 100);
    const payload = await cast.encode(randomBits('bf16', 100, 3), reference);
    expectReefError(() => cast.decode(payload, weights('f16', 100)), 'UNSUPPORTED', 'f16→bf16');
    expectReefError(() => cast.decode({ ...payload, attributes: { ...payload.attributes, exceptions: 101 } }, reference), 'BAD_MODEL', 'exception count');
    expectReefError(() => cast.decode({ ...payload, attributes: { ...payload.attributes, deltaType: 'sparse' } }, reference), 'BAD_MODEL', 'not cast');
  });
});
