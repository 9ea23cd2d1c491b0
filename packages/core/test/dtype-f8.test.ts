import { describe, expect, it } from 'vitest';
import { MAX_FINITE, f8e4m3Bits, f8e4m3Value, f8e5m2Bits, f8e5m2Value, float64ToTensor, isFloatDType, roundToDType, toFloat64 } from '../src/index.js';

const formats = [
  { name: 'f8e4m3', bits: f8e4m3Bits, value: f8e4m3Value, maxFinite: 0x7e },
  { name: 'f8e5m2', bits: f8e5m2Bits, value: f8e5m2Value, maxFinite: 0x7b },
] as const;

describe('8-bit floats (safetensors F8_E4M3, F8_E5M2)', () => {
  for (const f of formats) {
    it(`${f.name}: every bit pattern decodes and re-encodes to itself (NaN to a NaN)`, () => {
      for (let b = 0; b < 256; b++) {
        const v = f.value(b);
        if (Number.isNaN(v)) expect(Number.isNaN(f.value(f.bits(v)))).toBe(true);
        else expect(f.bits(v), `0x${b.toString(16)} = ${v}`).toBe(b);
      }
    });

    it(`${f.name}: midpoints round to the even neighbour, anything off the midpoint to the nearer one`, () => {
      for (let b = 0; b < f.maxFinite; b++) {
        const lo = f.value(b);
        const hi = f.value(b + 1);
        const mid = (lo + hi) / 2;
        const even = b % 2 === 0 ? b : b + 1;
        expect(f.bits(mid), `midpoint after 0x${b.toString(16)}`).toBe(even);
        expect(f.bits(-mid)).toBe(even | 0x80);
        const nudge = (hi - lo) * 2 ** -20;
        expect(f.bits(mid - nudge)).toBe(b);
        expect(f.bits(mid + nudge)).toBe(b + 1);
      }
    });
  }

  it('f8e4m3 has no infinities: max 448, anything rounding beyond it, ±Inf and NaN give NaN (0x7f/0xff)', () => {
    expect(f8e4m3Value(0x7e)).toBe(448);
    expect(MAX_FINITE.f8e4m3).toBe(448);
    expect(f8e4m3Bits(463.9)).toBe(0x7e);
    expect(f8e4m3Bits(464)).toBe(0x7e); // the tie between 448 (mantissa 110) and 480 goes to even
    expect(f8e4m3Bits(464.1)).toBe(0x7f);
    expect(f8e4m3Bits(1e6)).toBe(0x7f);
    expect(f8e4m3Bits(-Infinity)).toBe(0xff);
    expect(f8e4m3Bits(NaN)).toBe(0x7f);
    expect(f8e4m3Value(3)).toBe(3 * 2 ** -9); // subnormals: multiples of 2^-9
    expect(f8e4m3Value(1)).toBe(2 ** -9);
    expect(f8e4m3Value(0x38)).toBe(1);
    expect(f8e4m3Bits(-0)).toBe(0x80);
  });

  it('f8e5m2 is IEEE-like: max 57344, overflow to ±Inf', () => {
    expect(f8e5m2Value(0x7b)).toBe(57344);
    expect(f8e5m2Value(0x7c)).toBe(Infinity);
    expect(f8e5m2Bits(65536)).toBe(0x7c);
    expect(f8e5m2Bits(-1e9)).toBe(0xfc);
    expect(f8e5m2Value(0x3c)).toBe(1);
  });

  it('tensors: float dtypes of one byte, values through toFloat64 / float64ToTensor / roundToDType', () => {
    for (const dtype of ['f8e4m3', 'f8e5m2'] as const) {
      expect(isFloatDType(dtype)).toBe(true);
      const values = Float64Array.from([0, 1, -2.5, 0.1, 300, -1e-3]);
      const t = float64ToTensor(values, dtype, [2, 3]);
      expect(t.data.length).toBe(6);
      const back = toFloat64(t);
      values.forEach((v, i) => expect(back[i]).toBe(roundToDType(v, dtype)));
      expect(back[1]).toBe(1);
      expect(back[2]).toBe(-2.5);
    }
  });
});
