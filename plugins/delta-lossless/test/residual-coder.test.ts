import { describe, expect, it } from 'vitest';
import { ReefError } from '@reef/core';
import { decodeResiduals, decodeResidualsJs, encodeResiduals, encodeResidualsJs } from '../src/residual-coder.js';

/** Seeded residuals of mixed sizes: mostly small (a good prediction), some far from their neighbours, some of all 32 bits. */
function residuals(seed: number, n: number): { z: Uint32Array; exponent: Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
  const z = new Uint32Array(n);
  const exponent = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const kind = next() % 16;
    const bits = kind < 10 ? next() % 4 : kind < 14 ? 4 + (next() % 12) : 16 + (next() % 17);
    z[i] = bits === 0 ? 0 : (next() >>> (32 - bits)) | (2 ** (bits - 1));
    exponent[i] = i % 97 === 0 ? next() & 0xff : 100 + (next() % 30);
  }
  return { z, exponent };
}

describe('residual coder: the WASM loop and the JS loop', () => {
  for (const [n, cols] of [[0, 1], [1, 1], [5, 5], [1000, 37], [40000, 200], [20000, 20000]]) {
    it(`write the same bytes, and decode back (${n} elements, ${cols} per row: chunk edges, one row)`, () => {
      const { z, exponent } = residuals(n + cols, n);
      const wasm = encodeResiduals(z, exponent, cols);
      const js = encodeResidualsJs(z, exponent, cols);
      expect(Buffer.from(wasm.coded).equals(Buffer.from(js.coded))).toBe(true);
      expect(Buffer.from(wasm.raw).equals(Buffer.from(js.raw))).toBe(true);
      expect(encodeResiduals(z, exponent, cols, false)).toEqual(js);
      expect(decodeResiduals(wasm, exponent, cols)).toEqual(z);
      expect(decodeResidualsJs(wasm, exponent, cols)).toEqual(z);
    });
  }

  it('both refuse a truncated or padded stream with the same message', () => {
    const { z, exponent } = residuals(9, 3000);
    const good = encodeResiduals(z, exponent, 50);
    const broken = [
      { ...good, coded: good.coded.subarray(0, good.coded.length - 1) },
      { ...good, coded: Uint8Array.from([...good.coded, 0]) },
      { ...good, raw: good.raw.subarray(0, good.raw.length - 1) },
      { ...good, raw: Uint8Array.from([...good.raw, 0]) },
      { ...good, raw: good.raw.subarray(0, 10) },
    ];
    for (const bad of broken) {
      let js: unknown;
      try {
        decodeResidualsJs(bad, exponent, 50);
      } catch (e) {
        js = e;
      }
      expect(js).toBeInstanceOf(ReefError);
      expect(() => decodeResiduals(bad, exponent, 50)).toThrow((js as Error).message);
    }
  });
});
