import { isReefError } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { packRows, packValues, packedBytes, Rng, unpackRows, unpackValues } from '../src/index.js';

/** The layout spelled out one bit at a time: bit b of value i is bit i·nbits + b of the buffer, LSB first. */
function referencePack(values: ArrayLike<number>, nbits: number): Uint8Array {
  const out = new Uint8Array(packedBytes(values.length, nbits));
  for (let i = 0; i < values.length; i++) {
    for (let b = 0; b < nbits; b++) {
      const bit = i * nbits + b;
      if (Math.floor(values[i] / 2 ** b) % 2 === 1) out[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}

function randomValues(count: number, nbits: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  // Rng.int takes ranges below 2^32; draw the widest ones in two halves.
  return Uint32Array.from({ length: count }, () => (nbits <= 16 ? rng.int(2 ** nbits) : rng.int(2 ** 16) * 2 ** (nbits - 16) + rng.int(2 ** (nbits - 16))));
}

const WIDTHS = [...Array.from({ length: 16 }, (_, i) => i + 1), 17, 24, 31, 32];
// Counts around every group size (1, 2, 4 or 8 values), so each loop's tail is exercised.
const COUNTS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 37, 785];

describe.each(WIDTHS)('%i-bit packing', (nbits) => {
  it.each(COUNTS)('writes %i values exactly as the bit-by-bit reference and reads them back', (count) => {
    const values = randomValues(count, nbits, 1000 * nbits + count);
    const offset = 3;
    // A dirty buffer: packValues must write every byte it covers and none outside.
    const out = new Uint8Array(offset + packedBytes(count, nbits) + 2).fill(0xa5);
    packValues(values, nbits, out, offset);
    const expected = new Uint8Array(out.length).fill(0xa5);
    expected.set(referencePack(values, nbits), offset);
    expect([...out]).toEqual([...expected]);
    expect([...unpackValues(out, nbits, count, offset)]).toEqual([...values]);
  });

  it('keeps only the low nbits bits of each value', () => {
    const values = randomValues(23, nbits, nbits);
    const dirty = Array.from(values, (v, i) => v + (i % 3) * 2 ** nbits);
    const out = new Uint8Array(packedBytes(23, nbits));
    packValues(dirty, nbits, out);
    expect([...out]).toEqual([...referencePack(values, nbits)]);
  });

  it('packs rows of codes back to back, each rounded up to whole bytes', () => {
    for (const perRow of [1, 3, 8, 13]) {
      const rows = 5;
      const values = randomValues(rows * perRow, nbits, perRow * nbits);
      const size = packedBytes(perRow, nbits);
      const expected = new Uint8Array(rows * size);
      for (let i = 0; i < rows; i++) expected.set(referencePack(values.subarray(i * perRow, (i + 1) * perRow), nbits), i * size);
      const packed = packRows(values, rows, perRow, nbits);
      expect([...packed]).toEqual([...expected]);
      expect([...unpackRows(packed, rows, perRow, nbits, new Uint32Array(rows * perRow))]).toEqual([...values]);
    }
  });
});

describe('bit packing on bad input', () => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return isReefError(e) ? `${e.code}: ${e.message}` : `not a ReefError: ${String(e)}`;
    }
    return undefined;
  };

  it('refuses input too short for the requested codes', () => {
    expect(code(() => unpackValues(new Uint8Array(2), 6, 4))).toMatch(/^BAD_CODES: .*needs 3 bytes/);
    expect(code(() => unpackRows(new Uint8Array(5), 2, 4, 6))).toMatch(/^BAD_CODES: .*need 6 bytes/);
  });

  it('refuses widths outside 1..32 and outputs too small', () => {
    expect(code(() => packValues([1], 0, new Uint8Array(1)))).toMatch(/^INVALID_PARAM: .*width of 1 to 32 bits, got 0/);
    expect(code(() => unpackValues(new Uint8Array(8), 33, 1))).toMatch(/^INVALID_PARAM: .*got 33/);
    expect(code(() => packValues([1, 2, 3], 8, new Uint8Array(2)))).toMatch(/^INVALID_PARAM: .*needs 3 bytes/);
    expect(code(() => packRows([1, 2, 3], 2, 2, 4))).toMatch(/^INVALID_PARAM: .*2 × 2 values/);
  });
});
