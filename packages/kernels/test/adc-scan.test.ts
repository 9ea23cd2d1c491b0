import { describe, expect, it } from 'vitest';
import { packRows, ProductCodeScanner, Rng, scanCodes, topK } from '../src/index.js';

/**
 * Each width's summation order written out plainly over unpacked sub-codes (see scanCodes): the
 * scan must equal it bit for bit, since search results are compared across versions.
 */
function referenceScan(table: Float32Array, k: number, m: number, nbits: number, sub: Int32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const entry = (j: number) => table[j * k + sub[i * m + j]];
    if (nbits === 8) {
      // float32 sums: even sub-spaces in one, odd in the other, each addition rounded.
      let even = 0;
      let odd = 0;
      for (let j = 0; j < m; j++) {
        if (j % 2 === 0) even = Math.fround(even + entry(j));
        else odd = Math.fround(odd + entry(j));
      }
      out[i] = even + odd;
    } else if (nbits === 4) {
      let s = 0;
      for (let j = 0; j < m; j += 2) s += j + 1 < m ? entry(j) + entry(j + 1) : entry(j);
      out[i] = s;
    } else {
      let s = 0;
      for (let j = 0; j < m; j++) s += entry(j);
      out[i] = s;
    }
  }
  return out;
}

function randomCase(m: number, nbits: number, n: number, seed: number): { table: Float32Array; sub: Int32Array; codes: Uint8Array } {
  const rng = new Rng(seed);
  const k = 2 ** nbits;
  const table = Float32Array.from({ length: m * k }, () => rng.normal() * 1000);
  const sub = Int32Array.from({ length: n * m }, () => rng.int(k));
  return { table, sub, codes: packRows(sub, n, m, nbits) };
}

describe('scanCodes', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('sums one table entry per sub-space for %i-bit sub-codes, in that width\'s order', (nbits) => {
    for (const m of [1, 2, 3, 7, 8]) {
      const n = 57;
      const { table, sub, codes } = randomCase(m, nbits, n, 31 * nbits + m);
      const k = 2 ** nbits;
      expect(Array.from(scanCodes(table, k, m, nbits, codes, n))).toEqual(Array.from(referenceScan(table, k, m, nbits, sub, n)));
    }
  });

  it('reads 8-bit sub-spaces in a given order: even positions of it in one float32 sum, odd in the other', () => {
    const m = 7;
    const n = 300;
    const { table, sub, codes } = randomCase(m, 8, n, 99);
    const order = [4, 0, 6, 2, 1, 5, 3];
    const got = scanCodes(table, 256, m, 8, codes, n, new Float32Array(n), order);
    for (let i = 0; i < n; i++) {
      let even = 0;
      let odd = 0;
      order.forEach((j, p) => {
        if (p % 2 === 0) even = Math.fround(even + table[j * 256 + sub[i * m + j]]);
        else odd = Math.fround(odd + table[j * 256 + sub[i * m + j]]);
      });
      expect(got[i]).toBe(Math.fround(even + odd));
    }
    // Within a few float32 roundings of the exact sum (entries are ~1000 in size).
    for (let i = 0; i < n; i++) {
      let exact = 0;
      for (let j = 0; j < m; j++) exact += table[j * 256 + sub[i * m + j]];
      expect(Math.abs(got[i] - exact)).toBeLessThan(1e-6 * 1000 * m * 4);
    }
  });

  it('scans no codes into an empty result', () => {
    expect(scanCodes(new Float32Array(16), 16, 1, 4, new Uint8Array(0), 0)).toHaveLength(0);
  });
});

describe('ProductCodeScanner over codes of any width', () => {
  it.each([3, 4, 6, 8, 10])('scan and nearest equal scanCodes and topK of it (%i-bit sub-codes)', (nbits) => {
    const m = 5;
    const n = 700;
    const k = 2 ** nbits;
    const { table, codes } = randomCase(m, nbits, n, nbits);
    const scanner = new ProductCodeScanner(new Float32Array(k * m), Array.from({ length: m + 1 }, (_, j) => j), k);
    expect(scanner.codeSize).toBe(Math.ceil((m * nbits) / 8));
    scanner.loadCodes(codes);
    const want = scanCodes(table, k, m, nbits, codes, n);
    expect(Array.from(scanner.scan(table, new Float32Array(n)))).toEqual(Array.from(want));
    for (const ascending of [true, false]) {
      const best = topK(want, 10, ascending);
      const got = scanner.nearest(table, 10, ascending);
      expect(Array.from(got.ids)).toEqual(Array.from(best.ids));
      expect(Array.from(got.scores)).toEqual(Array.from(best.scores));
    }
  });
});
