import { describe, expect, it } from 'vitest';
import { multiply, multiplyFast, multiplyTransposedFast, nearestCentroids, nearestCentroidsFast, Rng, wasmKernelsAvailable } from '../src/index.js';

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
