import { describe, expect, it } from 'vitest';
import { bf16Bits, bf16Value, f16Bits, f16Value, float64ToTensor, roundToDType, tensorToFloat64 } from '../src/index.js';
import { readSafetensors, FIXTURES } from './helpers.js';

const formats = [
  { name: 'f16', bits: f16Bits, value: f16Value, maxFinite: 0x7bff, mantissaBits: 10 },
  { name: 'bf16', bits: bf16Bits, value: bf16Value, maxFinite: 0x7f7f, mantissaBits: 7 },
] as const;

describe('f16 / bf16 conversion', () => {
  for (const f of formats) {
    it(`${f.name}: every bit pattern decodes and re-encodes to itself (NaN to a NaN)`, () => {
      for (let b = 0; b < 0x10000; b++) {
        const v = f.value(b);
        const back = f.bits(v);
        if (Number.isNaN(v)) expect(Number.isNaN(f.value(back))).toBe(true);
        else if (back !== b) expect.fail(`${f.name} bits 0x${b.toString(16)} = ${v} re-encode to 0x${back.toString(16)}`);
      }
    });

    it(`${f.name}: midpoints round to the even neighbour, anything off the midpoint to the nearer one`, () => {
      for (let b = 0; b < f.maxFinite; b++) {
        const lo = f.value(b);
        const hi = f.value(b + 1);
        const mid = (lo + hi) / 2; // exact in float64
        const even = b % 2 === 0 ? b : b + 1;
        if (f.bits(mid) !== even || f.bits(-mid) !== (even | 0x8000)) expect.fail(`${f.name} midpoint after 0x${b.toString(16)}`);
        const nudge = (hi - lo) * 2 ** -20;
        if (f.bits(mid - nudge) !== b || f.bits(mid + nudge) !== b + 1) expect.fail(`${f.name} near midpoint after 0x${b.toString(16)}`);
      }
    });

    it(`${f.name}: overflow, infinities, signed zero and NaN`, () => {
      const max = f.value(f.maxFinite);
      const next = max + (max - f.value(f.maxFinite - 1)); // the first value past max, i.e. 2^(emax+1)
      expect(f.bits((max + next) / 2)).toBe(f.maxFinite + 1); // tie goes to even: infinity
      expect(f.value(f.bits(Infinity))).toBe(Infinity);
      expect(f.value(f.bits(-Infinity))).toBe(-Infinity);
      expect(f.bits(-0)).toBe(0x8000);
      expect(Object.is(f.value(0x8000), -0)).toBe(true);
      expect(Number.isNaN(f.value(f.bits(NaN)))).toBe(true);
      expect(f.bits(1e-300)).toBe(0); // underflow to zero
    });
  }

  it('f16 known values', () => {
    expect(f16Bits(1)).toBe(0x3c00);
    expect(f16Bits(65504)).toBe(0x7bff);
    expect(f16Bits(65520)).toBe(0x7c00);
    expect(f16Bits(2 ** -24)).toBe(0x0001);
    expect(f16Bits(2 ** -25)).toBe(0); // halfway to the smallest subnormal: ties to even (zero)
    expect(f16Bits(3 * 2 ** -25)).toBe(0x0002);
    expect(f16Value(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('matches PyTorch: the f32 fixture converted to f16 and bf16 equals the fixtures PyTorch wrote', () => {
    const f32 = readSafetensors(`${FIXTURES}tiny-mlp-f32.safetensors`);
    for (const dtype of ['f16', 'bf16', 'f64'] as const) {
      const other = readSafetensors(`${FIXTURES}tiny-mlp-${dtype}.safetensors`);
      for (const [name, t] of f32) {
        if (t.dtype !== 'f32') continue;
        const converted = float64ToTensor(tensorToFloat64(t), dtype, t.shape);
        expect(Buffer.from(converted.data).equals(Buffer.from(other.get(name)!.data)), `${dtype} ${name}`).toBe(true);
      }
    }
  });

  it('roundToDType agrees with Math.fround for f32', () => {
    for (const x of [0.1, 1 / 3, 1e-40, 3.5e38, -2.5e-45]) expect(roundToDType(x, 'f32')).toBe(Math.fround(x));
  });
});
