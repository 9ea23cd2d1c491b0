import { describe, expect, it } from 'vitest';
import { decodeIndexGaps, encodeIndexGaps } from '../src/index.js';

describe('varint index gaps', () => {
  it('round-trip indices beyond 2^32, one byte per small gap', () => {
    const indices = [0, 1, 127, 128, 300, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 40];
    const bytes = encodeIndexGaps(indices);
    expect([...decodeIndexGaps(bytes, indices.length, 2 ** 41)]).toEqual(indices);
    expect(encodeIndexGaps([0, 1, 2, 3]).length).toBe(4);
    expect(encodeIndexGaps(Float64Array.from([5, 200]))).toEqual(Uint8Array.from([5, 194, 1]));
    expect(decodeIndexGaps(new Uint8Array(0), 0, 10)).toEqual(new Float64Array(0));
  });

  it('reject corrupt streams and unsorted input with ReefErrors naming the problem', () => {
    const indices = [0, 1, 127, 128, 300, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 40];
    const bytes = encodeIndexGaps(indices);
    expect(() => decodeIndexGaps(bytes, indices.length, 2 ** 40)).toThrow(/index 1099511627776 is out of range for 1099511627776 elements/);
    expect(() => decodeIndexGaps(bytes.subarray(0, bytes.length - 1), indices.length, 2 ** 41)).toThrow(/ends after 7 of 8 indices/);
    expect(() => decodeIndexGaps(bytes, indices.length - 1, 2 ** 41)).toThrow(/trailing/);
    expect(() => encodeIndexGaps([3, 3])).toThrow(expect.objectContaining({ name: 'ReefError', message: expect.stringMatching(/strictly increasing/) }));
    expect(() => encodeIndexGaps([4, 2])).toThrow(/strictly increasing/);
  });
});
