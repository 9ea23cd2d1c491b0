import { describe, expect, it } from 'vitest';
import { blockCodes, FastScanKernel, FastScanRows, Rng } from '../src/index.js';

/** n rows of `stride` random bytes (sub-codes in the first `bytes`, anything after), and a random u8 table. */
function randomCase(n: number, stride: number, bytes: number, seed: number): { rows: Uint8Array; lut: Uint8Array } {
  const rng = new Rng(seed);
  const rows = Uint8Array.from({ length: n * stride }, () => rng.int(256));
  // Entries up to 255 keep 2·bytes of them under 65,536 for the widths below (≤ 128 sub-codes).
  const lut = Uint8Array.from({ length: 32 * bytes }, () => rng.int(256));
  return { rows, lut };
}

/** The moved blocked-layout kernel's sums over the same sub-codes: the reference. */
function blockedSums(rows: Uint8Array, n: number, stride: number, bytes: number, lut: Uint8Array): Uint16Array {
  const compact = new Uint8Array(n * bytes);
  for (let i = 0; i < n; i++) compact.set(rows.subarray(i * stride, i * stride + bytes), i * bytes);
  const kernel = new FastScanKernel(2 * bytes);
  kernel.loadCodes(blockCodes(compact, n, 2 * bytes), n);
  return kernel.sumsAll(lut).slice(0, n);
}

describe('FastScanRows: 4-bit fast scan of codes in row layout', () => {
  it.each([
    { n: 1, stride: 1, bytes: 1 },
    { n: 37, stride: 7, bytes: 5 },
    { n: 2011, stride: 28, bytes: 16 },
    { n: 500, stride: 17, bytes: 17 },
    { n: 4099, stride: 60, bytes: 48 },
    { n: 300, stride: 64, bytes: 64 },
  ])('gives the blocked kernel’s sums in WASM and in JS (n=$n, stride=$stride, bytes=$bytes)', ({ n, stride, bytes }) => {
    const { rows, lut } = randomCase(n, stride, bytes, n + stride + bytes);
    const expected = blockedSums(rows, n, stride, bytes, lut);
    const wasm = new FastScanRows();
    expect(wasm.accelerated).toBe(true);
    expect(wasm.sums(rows, n, stride, bytes, lut)).toEqual(expected);
    expect(new FastScanRows(false).sums(rows, n, stride, bytes, lut)).toEqual(expected);
    // The same instance again (its memory reused), on a sub-array that does not start at byte 0.
    const shifted = new Uint8Array(rows.length + 3);
    shifted.set(rows, 3);
    expect(wasm.sums(shifted.subarray(3), n, stride, bytes, lut)).toEqual(expected);
  });

  it('matches a direct sum of table entries per row', () => {
    const { rows, lut } = randomCase(3, 4, 2, 5);
    const direct = [0, 1, 2].map((i) => {
      let s = 0;
      for (let t = 0; t < 2; t++) s += lut[32 * t + (rows[i * 4 + t] & 15)] + lut[32 * t + 16 + (rows[i * 4 + t] >> 4)];
      return s;
    });
    expect(Array.from(new FastScanRows().sums(rows, 3, 4, 2, lut))).toEqual(direct);
  });

  it('refuses rows, tables or outputs that are too short', () => {
    expect(() => new FastScanRows().sums(new Uint8Array(10), 3, 4, 2, new Uint8Array(64))).toThrow(/need 12 row bytes/);
    expect(() => new FastScanRows().sums(new Uint8Array(12), 3, 4, 2, new Uint8Array(63))).toThrow(/64 table entries/);
  });
});
