import { describe, expect, it } from 'vitest';
import { bf16BitsToFloat, bf16Bits, bf16Value, f16Bits, f16Value, float64ToTensor, halfBitsToFloat, roundToDType, tensorToFloat64, toFloat64 } from '../src/index.js';
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

  it('toFloat64 reads every f16 and bf16 pattern as the exact decoders do (one table, two decoders agree)', () => {
    const bits = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
    const data = new Uint8Array(bits.buffer);
    for (const [dtype, exact, short] of [['f16', f16Value, halfBitsToFloat], ['bf16', bf16Value, bf16BitsToFloat]] as const) {
      const values = toFloat64({ dtype, shape: [0x10000], data });
      for (let b = 0; b < 0x10000; b++) {
        const want = exact(b);
        if (!Object.is(values[b], want) && !(Number.isNaN(want) && Number.isNaN(values[b]))) expect.fail(`${dtype} 0x${b.toString(16)}: ${values[b]} != ${want}`);
        if (!Object.is(short(b), want) && !(Number.isNaN(want) && Number.isNaN(short(b)))) expect.fail(`${dtype} 0x${b.toString(16)}: short decoder ${short(b)} != ${want}`);
      }
    }
  });

  it('toFloat64 reads integer and bool tensors exactly, at unaligned offsets too', () => {
    const cases = [
      ['i64', new BigInt64Array([-(2n ** 53n), -1n, 0n, 2n ** 53n])],
      ['u64', new BigUint64Array([0n, 1n, 2n ** 53n, 7n])],
      ['i32', new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1])],
      ['u32', new Uint32Array([0, 1, 2 ** 32 - 1, 5])],
      ['i16', new Int16Array([-32768, -1, 0, 32767])],
      ['u16', new Uint16Array([0, 1, 65535, 9])],
      ['i8', new Int8Array([-128, -1, 0, 127])],
      ['u8', new Uint8Array([0, 1, 255, 3])],
      ['bool', new Uint8Array([0, 1, 1, 0])],
    ] as const;
    for (const [dtype, array] of cases) {
      const bytes = new Uint8Array(array.buffer);
      const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
      unaligned.set(bytes);
      expect([...toFloat64({ dtype, shape: [4], data: unaligned })], dtype).toEqual(Array.from(array as ArrayLike<number | bigint>, Number));
    }
  });

  it('tensorToFloat64 and float64ToTensor refuse non-float dtypes and values that do not fill the shape', () => {
    const ints = { dtype: 'i32' as const, shape: [1], data: new Uint8Array(4) };
    expect(() => tensorToFloat64(ints)).toThrow(expect.objectContaining({ name: 'ReefError', message: expect.stringMatching(/i32 is not a float dtype/) }));
    expect(() => float64ToTensor(new Float64Array(1), 'i32', [1])).toThrow(/not a float dtype/);
    expect(() => float64ToTensor(new Float64Array(3), 'f32', [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
  });
});
