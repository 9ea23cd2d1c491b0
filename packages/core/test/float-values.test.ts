import { describe, expect, it } from 'vitest';
import { MAX_FINITE, bf16Bits, bf16Value, f16Bits, f16Value, float64ToTensor, roundToDType, tensorToFloat64 } from '../src/delta/index.js';
import { isReefError } from '../src/errors.js';

describe('float values of tensors (@reef/core/delta)', () => {
  it('decodes every f16 and bf16 bit pattern and re-encodes it to itself (NaN to a NaN)', () => {
    for (const [bits, value, max] of [[f16Bits, f16Value, MAX_FINITE.f16], [bf16Bits, bf16Value, MAX_FINITE.bf16]] as const) {
      const wrong: number[] = [];
      for (let b = 0; b < 0x10000; b++) {
        const v = value(b);
        if (Number.isNaN(v) ? !Number.isNaN(value(bits(v))) : bits(v) !== b) wrong.push(b);
      }
      expect(wrong).toEqual([]);
      expect(value(bits(max))).toBe(max);
    }
  }, 30_000);

  it('rounds to nearest, ties to even, straight from float64', () => {
    // 1 + 2^-11 is halfway between f16's 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(f16Value(f16Bits(1 + 2 ** -11))).toBe(1);
    expect(f16Value(f16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    // Just above the halfway point rounds up (no double rounding through f32).
    expect(f16Value(f16Bits(1 + 2 ** -11 + 2 ** -40))).toBe(1 + 2 ** -10);
    expect(f16Value(f16Bits(65520))).toBe(Infinity); // past the largest finite f16 (65504) by half an ulp
    expect(f16Value(f16Bits(2 ** -25))).toBe(0); // half the smallest subnormal: ties to even (0)
    expect(f16Value(f16Bits(3 * 2 ** -26))).toBe(2 ** -24);
    expect(roundToDType(1 / 3, 'f32')).toBe(Math.fround(1 / 3));
    expect(roundToDType(1 / 3, 'bf16')).toBe(bf16Value(bf16Bits(1 / 3)));
    expect(Object.is(f16Value(f16Bits(-0)), -0)).toBe(true);
  });

  it('converts tensors of every float dtype exactly, from any byte offset', () => {
    const values = Float64Array.from([0, -0, 1.5, -2.25, 65504, 2 ** -24]);
    for (const dtype of ['f64', 'f32', 'f16', 'bf16'] as const) {
      const t = float64ToTensor(values, dtype, [2, 3]);
      expect(t.shape).toEqual([2, 3]);
      const expected = values.map((v) => roundToDType(v, dtype));
      expect(tensorToFloat64(t)).toEqual(expected);
      const shifted = new Uint8Array(t.data.length + 1);
      shifted.set(t.data, 1);
      expect(tensorToFloat64({ ...t, data: shifted.subarray(1) })).toEqual(expected);
    }
  });

  it('refuses integer dtypes', () => {
    for (const attempt of [() => tensorToFloat64({ dtype: 'i8', shape: [1], data: new Uint8Array(1) }), () => float64ToTensor(new Float64Array(1), 'u8', [1])]) {
      try {
        attempt();
        throw new Error('expected a ReefError');
      } catch (err) {
        expect(isReefError(err, 'UNSUPPORTED')).toBe(true);
        expect((err as Error).message).toMatch(/is not a float dtype/);
      }
    }
  });
});
