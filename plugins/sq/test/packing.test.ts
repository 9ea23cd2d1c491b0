import { packValues, Rng, unpackValues } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { packCodes, packedSize, unpackCodes } from '../src/index.js';

describe.each([4, 6, 8])('%i-bit packing', (bits) => {
  it.each([1, 2, 3, 4, 5, 7, 8, 13, 24, 785])('round-trips %i codes and matches @reef/kernels byte for byte', (dim) => {
    const rng = new Rng(dim * bits);
    const values = Uint8Array.from({ length: dim }, () => rng.int(2 ** bits));
    const offset = 3; // codes are packed back to back: start mid-buffer
    const out = new Uint8Array(offset + packedSize(dim, bits) + 2);
    packCodes(values, dim, bits, out, offset);
    expect(packedSize(dim, bits)).toBe(Math.ceil((dim * bits) / 8));
    expect([...unpackCodes(out, offset, dim, bits, new Uint8Array(dim))]).toEqual([...values]);
    const reference = new Uint8Array(out.length);
    packValues(values, bits, reference, offset);
    expect([...out]).toEqual([...reference]);
    expect([...unpackValues(out, bits, dim, offset)]).toEqual([...values]);
  });
});
