import { describe, expect, it } from 'vitest';
import { multiply, multiplyFast, multiplyTransposedFast, nearestCentroids, nearestCentroidsFast, ProductCodeScanner, ResidentMatrix, Rng, topK, wasmKernelsAvailable } from '../src/index.js';

function randomMatrix(rows: number, cols: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * scale;
  return out;
}

describe('WASM SIMD kernels', () => {
  it('are available on Node 20', () => {
    expect(wasmKernelsAvailable()).toBe(true);
  });

  it.each([
    { n: 500, d: 98, k: 256 },
    { n: 333, d: 7, k: 13 },
    { n: 10, d: 1, k: 3 },
  ])('nearestCentroidsFast picks the same centroids as the JS kernel (n=$n, d=$d, k=$k)', ({ n, d, k }) => {
    const rng = new Rng(d);
    const x = randomMatrix(n, d, rng, 100);
    const c = randomMatrix(k, d, rng, 100);
    const js = nearestCentroids(x, n, d, c, k);
    const fast = nearestCentroidsFast(x, n, d, c, k);
    let agree = 0;
    for (let i = 0; i < n; i++) {
      if (fast.labels[i] === js.labels[i]) agree++;
      // Whatever the tie-breaking, the distance found is the minimum one.
      expect(fast.distances[i]).toBeCloseTo(js.distances[i], 0);
    }
    expect(agree).toBeGreaterThanOrEqual(n - 1);
  });

  it.each([
    { n: 37, a: 50, b: 50 },
    { n: 5, a: 9, b: 3 },
    { n: 3, a: 130, b: 67 },
  ])('multiplyFast matches multiply (n=$n, a=$a, b=$b)', ({ n, a, b }) => {
    const rng = new Rng(a + b);
    const x = randomMatrix(n, a, rng);
    const r = randomMatrix(a, b, rng);
    const js = multiply(x, n, a, r, b);
    const fast = multiplyFast(x, n, a, r, b);
    for (let i = 0; i < js.length; i++) expect(fast[i]).toBeCloseTo(js[i], 3);
    const rt = new Float32Array(a * b);
    for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) rt[q * a + p] = r[p * b + q];
    const viaTransposed = multiplyTransposedFast(x, n, a, rt, b);
    for (let i = 0; i < js.length; i++) expect(viaTransposed[i]).toBeCloseTo(js[i], 3);
  });
});

describe('ResidentMatrix', () => {
  it.each([
    { n: 1, a: 50, b: 30 },
    { n: 37, a: 9, b: 9 },
    { n: 3000, a: 300, b: 301 }, // more rows than one call copies in
  ])('multiplies like multiplyFast, bit for bit, call after call (n=$n, a=$a, b=$b)', ({ n, a, b }) => {
    const rng = new Rng(n + a);
    const r = randomMatrix(a, b, rng);
    const resident = new ResidentMatrix(r, a, b);
    for (let call = 0; call < 2; call++) {
      const x = randomMatrix(n, a, rng);
      expect(Array.from(resident.multiply(x, n))).toEqual(Array.from(multiplyFast(x, n, a, r, b)));
    }
  }, 60_000); // comparing 900k-element arrays passes 5 s on a loaded machine

  it('refuses a matrix or input of the wrong size', () => {
    expect(() => new ResidentMatrix(new Float32Array(10), 4, 3)).toThrow(/4 × 3 = 12 floats, got 10/);
    expect(() => new ResidentMatrix(new Float32Array(12), 4, 3).multiply(new Float32Array(7), 2)).toThrow(/2 rows of 4 need 8 floats, got 7/);
  });
});

describe('ProductCodeScanner', () => {
  const k = 256;
  const offsets = [0, 3, 6, 8, 10, 11]; // uneven sub-spaces, odd m
  const m = offsets.length - 1;
  const dim = offsets[m];

  function setup(n: number): { scanner: ProductCodeScanner; books: Float32Array; codes: Uint8Array; rng: Rng } {
    const rng = new Rng(7);
    const books = randomMatrix(k, dim, rng, 10);
    const codes = new Uint8Array(n * m);
    for (let i = 0; i < codes.length; i++) codes[i] = rng.int(k);
    return { scanner: new ProductCodeScanner(books, offsets, k), books, codes, rng };
  }

  it('runs on WASM SIMD under Node 20', () => {
    expect(setup(1).scanner.accelerated).toBe(true);
  });

  it('innerProducts equal multiplyTransposedFast per sub-space', () => {
    const { scanner, books, rng } = setup(1);
    const query = randomMatrix(1, dim, rng, 10);
    const got = scanner.innerProducts(query);
    for (let j = 0; j < m; j++) {
      const dj = offsets[j + 1] - offsets[j];
      const want = multiplyTransposedFast(query.subarray(offsets[j], offsets[j + 1]), 1, dj, books.subarray(k * offsets[j], k * offsets[j + 1]), k);
      expect(Array.from(got.subarray(j * k, (j + 1) * k))).toEqual(Array.from(want));
    }
  });

  it('scan sums one table entry per sub-space in float32, in its order, like the JS loops (identical results)', () => {
    const n = 1001;
    const { scanner, codes, rng } = setup(n);
    const table = randomMatrix(m, k, rng, 1000);
    // The order reads sub-spaces of larger centroid variance first: a permutation of 0..m-1.
    expect(Array.from(scanner.order).sort()).toEqual(Array.from({ length: m }, (_, j) => j));
    scanner.loadCodes(codes);
    const got = scanner.scan(table, new Float32Array(n));
    for (let i = 0; i < n; i++) {
      let s0 = 0;
      let s1 = 0;
      scanner.order.forEach((j, p) => {
        if (p % 2 === 0) s0 = Math.fround(s0 + table[j * k + codes[i * m + j]]);
        else s1 = Math.fround(s1 + table[j * k + codes[i * m + j]]);
      });
      expect(got[i]).toBe(Math.fround(s0 + s1));
    }
  });

  it.each([true, false])('nearest returns what topK of the scan returns (ascending=%s), ties and short lists included', (ascending) => {
    const n = 3000;
    const { scanner, codes, rng } = setup(n);
    // A coarse table makes many sums tie, which exercises the index tie-break.
    const table = new Float32Array(m * k);
    for (let i = 0; i < table.length; i++) table[i] = rng.int(4);
    scanner.loadCodes(codes);
    const all = scanner.scan(table, new Float32Array(n));
    for (const topk of [1, 10, 100]) {
      const want = topK(all, topk, ascending);
      const got = scanner.nearest(table, topk, ascending);
      expect(Array.from(got.ids)).toEqual(Array.from(want.ids));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
    scanner.loadCodes(codes.subarray(0, 3 * m));
    const short = scanner.nearest(table, 5, ascending);
    expect(Array.from(short.ids.subarray(3))).toEqual([-1, -1]);
    expect(Array.from(short.ids.subarray(0, 3)).sort()).toEqual([0, 1, 2]);
  });

  // nearest abandons a code after r1 ≈ m/4 sub-spaces (and again after 2·r1) when its partial sum
  // plus the smallest entries of the unread sub-spaces exceeds the heap's root. These tables make
  // that bound matter: the unread rows hold one deeply negative entry, so a code that looks
  // hopeless early can still win (a bound that assumed non-negative entries would drop it), and
  // integer entries make sums tie with the root. Zero codebooks: the scan reads sub-spaces in order.
  it.each([8, 13, 16, 56])('nearest abandons only codes that cannot enter the top k (m = %i)', (mm) => {
    const rng = new Rng(mm);
    const n = 4000;
    const first = Math.min(Math.max(2, 2 * Math.round(mm / 8)), mm & ~1); // the first check
    const table = new Float32Array(mm * k);
    for (let j = 0; j < mm; j++) {
      for (let c = 0; c < k; c++) table[j * k + c] = rng.int(100);
      if (j >= first) table[j * k] = -1000;
    }
    const codes = new Uint8Array(n * mm);
    for (let i = 0; i < codes.length; i++) codes[i] = rng.int(k);
    // Some codes pick the negative entry in every unread sub-space after a poor start.
    for (let i = 0; i < n; i += 97) for (let j = 0; j < mm; j++) codes[i * mm + j] = j < first ? 99 : 0;
    const scanner = new ProductCodeScanner(new Float32Array(k * mm), Array.from({ length: mm + 1 }, (_, j) => j), k);
    scanner.loadCodes(codes);
    const all = scanner.scan(table, new Float32Array(n));
    for (const ascending of [true, false]) {
      for (const topk of [1, 10, 50]) {
        const want = topK(all, topk, ascending);
        const got = scanner.nearest(table, topk, ascending);
        expect(Array.from(got.ids)).toEqual(Array.from(want.ids));
        expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
      }
    }
    // Non-finite entries disable abandoning; the result is still topK's.
    for (const bad of [Infinity, -Infinity, NaN]) {
      const t = table.slice();
      t[(mm - 1) * k + 5] = bad;
      const want = topK(scanner.scan(t, new Float32Array(n)), 10, true);
      const got = scanner.nearest(t, 10, true);
      expect(Array.from(got.ids)).toEqual(Array.from(want.ids));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });

  it('refuses codebooks of the wrong size and codes it cannot scan', () => {
    expect(() => new ProductCodeScanner(new Float32Array(10), offsets, k)).toThrow(/256 × 11 codebook floats/);
    const { scanner } = setup(1);
    expect(() => scanner.loadCodes(new Uint8Array(m + 1))).toThrow(/not a multiple of the code size 5/);
    expect(() => new ProductCodeScanner(new Float32Array(12 * dim), offsets, 12)).toThrow(/K must be 2\^1 … 2\^16, got 12/);
  });
});
