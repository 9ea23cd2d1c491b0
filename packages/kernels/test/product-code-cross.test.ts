import { describe, expect, it } from 'vitest';
import { productCodeCross, productCodeCrossFast, Rng } from '../src/index.js';

/** Offsets of m sub-spaces over dim columns, the first dim % m one column wider (as PQ splits). */
function unevenLayout(dim: number, m: number): { m: number; offsets: number[]; dim: number } {
  const offsets = [0];
  for (let j = 0; j < m; j++) offsets.push(offsets[j] + Math.floor(dim / m) + (j < dim % m ? 1 : 0));
  return { m, offsets, dim };
}

/** Xᵀ Y with Y built row by row from the codes: the definition, for comparison. */
function direct(x: Float32Array, n: number, dIn: number, codes: Int32Array, layout: { m: number; offsets: number[]; dim: number }, k: number, centroids: Float32Array): Float64Array {
  const { m, offsets, dim } = layout;
  const y = new Float64Array(dim);
  const cross = new Float64Array(dIn * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const dj = offsets[j + 1] - offsets[j];
      const c = codes[i * m + j];
      for (let t = 0; t < dj; t++) y[offsets[j] + t] = centroids[k * offsets[j] + c * dj + t];
    }
    for (let p = 0; p < dIn; p++) for (let q = 0; q < dim; q++) cross[p * dim + q] += x[i * dIn + p] * y[q];
  }
  return cross;
}

function problem(n: number, dIn: number, dim: number, m: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * dIn);
  // Some always-zero inputs, as blank pixels: their sums are skipped.
  for (let i = 0; i < x.length; i++) x[i] = i % dIn < 3 ? 0 : rng.normal() * 50;
  const centroids = new Float32Array(k * dim);
  for (let i = 0; i < centroids.length; i++) centroids[i] = rng.normal() * 10;
  const codes = new Int32Array(n * m);
  for (let i = 0; i < codes.length; i++) codes[i] = rng.int(k);
  return { x, centroids, codes, layout: unevenLayout(dim, m) };
}

describe('productCodeCross', () => {
  it.each([
    { n: 700, dIn: 37, dim: 29, m: 4, k: 16 },
    { n: 257, dIn: 12, dim: 12, m: 5, k: 256 },
    { n: 50, dIn: 5, dim: 3, m: 3, k: 2 },
  ])('equals Xᵀ Y built from the codes, and the WASM path equals the plain loop bit for bit (n=$n, dIn=$dIn, dim=$dim, m=$m, k=$k)', ({ n, dIn, dim, m, k }) => {
    const { x, centroids, codes, layout } = problem(n, dIn, dim, m, k, n + k);
    const plain = productCodeCross(x, n, dIn, codes, layout, k, centroids);
    const fast = productCodeCrossFast(x, n, dIn, codes, layout, k, centroids);
    expect(fast).toEqual(plain);
    const reference = direct(x, n, dIn, codes, layout, k, centroids);
    let scale = 0;
    for (const v of reference) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < reference.length; i++) expect(Math.abs(plain[i] - reference[i])).toBeLessThan(1e-9 * scale);
  });

  it('gives the same result when the sums take several passes over x (64 MB of sums per pass)', () => {
    // 8 · 4096 · 520 B ≈ 17 MB of sums per sub-space: three sub-spaces per pass, so two passes for five.
    const n = 300;
    const dIn = 520;
    const k = 4096;
    const { x, centroids, codes, layout } = problem(n, dIn, 20, 5, k, 7);
    expect(productCodeCrossFast(x, n, dIn, codes, layout, k, centroids)).toEqual(productCodeCross(x, n, dIn, codes, layout, k, centroids));
  });

  it('rejects a code outside [0, k) before touching memory, naming it', () => {
    const { x, centroids, codes, layout } = problem(20, 6, 6, 2, 8, 3);
    codes[13] = 8;
    expect(() => productCodeCrossFast(x, 20, 6, codes, layout, 8, centroids)).toThrow(/code 8 at 13 is outside \[0, 8\)/);
    codes[13] = -1;
    expect(() => productCodeCross(x, 20, 6, codes, layout, 8, centroids)).toThrow(/code -1 at 13 is outside \[0, 8\)/);
  });

  it('rejects too few codes or centroids', () => {
    const { x, centroids, codes, layout } = problem(20, 6, 6, 2, 8, 3);
    expect(() => productCodeCrossFast(x, 20, 6, codes.subarray(1), layout, 8, centroids)).toThrow(/39 codes for 20 points × 2 sub-spaces/);
    expect(() => productCodeCrossFast(x, 20, 6, codes, layout, 8, centroids.subarray(1))).toThrow(/47 centroid values, expected k × dim = 48/);
  });
});
