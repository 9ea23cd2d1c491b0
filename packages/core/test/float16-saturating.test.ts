import { describe, expect, it } from 'vitest';
import { bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsToFloat } from '../src/index.js';

/** A small seeded generator (mulberry32): core's tests use no other workspace package. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

/** Index of the nearest of the two neighbours, ties to the even bit pattern. */
function nearestOf(x: number, a: number, aBits: number, b: number, bBits: number): number {
  const da = Math.abs(x - a);
  const db = Math.abs(x - b);
  if (da !== db) return da < db ? aBits : bBits;
  return (aBits & 1) === 0 ? aBits : bBits;
}

describe('fp16', () => {
  it('round-trips every finite fp16 value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const exponent = (h >>> 10) & 0x1f;
      if (exponent === 0x1f) continue; // Inf / NaN never reach the encoder
      const x = halfBitsToFloat(h);
      expect(floatToHalfBits(x) === h || (x === 0 && (floatToHalfBits(x) & 0x7fff) === 0)).toBe(true);
    }
  });

  it('decodes known values', () => {
    expect(halfBitsToFloat(0x3c00)).toBe(1);
    expect(halfBitsToFloat(0xc000)).toBe(-2);
    expect(halfBitsToFloat(0x7bff)).toBe(65504);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
  });

  it('rounds to the nearest value, ties to even, in normal and subnormal ranges', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20000; i++) {
      // Pick a pair of adjacent positive fp16 values and a float32 between them.
      const lowBits = rng.int(0x7bff);
      const lo = halfBitsToFloat(lowBits);
      const hi = halfBitsToFloat(lowBits + 1);
      const t = i % 10 === 0 ? 0.5 : rng.float();
      const x = Math.fround(lo + t * (hi - lo));
      expect(floatToHalfBits(x)).toBe(nearestOf(x, lo, lowBits, hi, lowBits + 1));
      expect(floatToHalfBits(-x)).toBe(nearestOf(x, lo, lowBits, hi, lowBits + 1) | 0x8000);
    }
  });

  it('clamps values beyond ±65504 instead of overflowing to infinity', () => {
    expect(floatToHalfBits(65519)).toBe(0x7bff);
    expect(floatToHalfBits(1e9)).toBe(0x7bff);
    expect(floatToHalfBits(-3e38)).toBe(0xfbff);
  });

  it('flushes values below half the smallest subnormal to zero', () => {
    expect(floatToHalfBits(2 ** -26)).toBe(0);
    expect(floatToHalfBits(2 ** -25)).toBe(0); // tie between 0 and 2^-24: even is 0
    expect(floatToHalfBits(Math.fround(2 ** -25 * 1.01))).toBe(1);
  });
});

describe('bf16', () => {
  it('round-trips bf16 values and rounds others to nearest, ties to even', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 20000; i++) {
      const lowBits = rng.int(0x7f7f);
      const lo = bf16BitsToFloat(lowBits);
      const hi = bf16BitsToFloat(lowBits + 1);
      expect(floatToBf16Bits(lo)).toBe(lowBits);
      const t = i % 10 === 0 ? 0.5 : rng.float();
      const x = Math.fround(lo + t * (hi - lo));
      expect(floatToBf16Bits(x)).toBe(nearestOf(x, lo, lowBits, hi, lowBits + 1));
    }
  });

  it('clamps to the largest finite bf16 instead of rounding up to infinity', () => {
    expect(floatToBf16Bits(3.4028234663852886e38)).toBe(0x7f7f);
    expect(floatToBf16Bits(-3.4028234663852886e38)).toBe(0xff7f);
  });
});
