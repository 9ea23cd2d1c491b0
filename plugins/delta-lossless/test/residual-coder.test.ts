import { describe, expect, it } from 'vitest';
import { ReefError } from '@reef/core';
import {
  decodeResiduals, decodeResidualsJs, decodeTargets, encodeResiduals, encodeResidualsJs, encodeTargets, exponentsOf, residuals16, residuals32, targets16, targets32,
} from '../src/residual-coder.js';

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

describe('residual coder: targets against predictions (the ordered-integer map in WASM and JS)', () => {
  /** Seeded bit patterns: a prediction, and a target near it (a few ulps) or anywhere (any pattern, NaNs and infinities included). */
  function pairs(seed: number, n: number, width: 16 | 32): { target: Uint32Array | Uint16Array; pred: Uint32Array } {
    let s = seed >>> 0 || 1;
    const next = () => {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      return s;
    };
    const pred = new Uint32Array(n);
    const target = width === 32 ? new Uint32Array(n) : new Uint16Array(n);
    const wrap = width === 32 ? 2 ** 32 : 2 ** 16;
    for (let i = 0; i < n; i++) {
      pred[i] = next() % wrap;
      target[i] = i % 5 === 0 ? next() % wrap : (pred[i] + (next() % 9) - 4 + wrap) % wrap;
    }
    for (const [k, bits] of [[0, 0], [1, wrap - 1], [2, wrap / 2], [3, wrap / 2 - 1]]) {
      pred[k] = bits;
      target[k + 4] = bits;
    }
    return { target, pred };
  }

  for (const [width, shift, mask] of [[32, 23, 0xff], [16, 10, 0x1f], [16, 7, 0xff]] as const) {
    it(`width ${width} (exponent at ${shift}): the bytes of the JS map and coder, decoded back to the target`, () => {
      const cols = 300;
      const { target, pred } = pairs(width + shift, 20000 + 7, width);
      const { z, exponent } = width === 32 ? residuals32(target as Uint32Array, pred) : residuals16(target as Uint16Array, pred, shift, mask);
      expect(exponent).toEqual(exponentsOf(pred, shift, mask));
      const js = encodeResidualsJs(z, exponent, cols);
      const coded = encodeTargets(target, pred, width, shift, mask, cols);
      expect(Buffer.from(coded.coded).equals(Buffer.from(js.coded))).toBe(true);
      expect(Buffer.from(coded.raw).equals(Buffer.from(js.raw))).toBe(true);
      expect(decodeTargets(coded, pred, width, shift, mask, cols)).toEqual(target);
      expect(encodeTargets(target, pred, width, shift, mask, cols, false)).toEqual(js);
      expect(decodeTargets(coded, pred, width, shift, mask, cols, false)).toEqual(target);
      expect(width === 32 ? targets32(pred, z) : targets16(pred, z)).toEqual(target);
    });
  }
});
