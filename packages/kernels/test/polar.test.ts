import { describe, expect, it } from 'vitest';
import { crossProduct, polarFactor, polarFactorIterative, procrustes, Rng } from '../src/index.js';

function gaussian(rows: number, cols: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function maxOrthonormalityError(p: Float32Array, a: number, b: number): number {
  let worst = 0;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      let s = 0;
      for (let r = 0; r < a; r++) s += p[r * b + i] * p[r * b + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

describe('polarFactor', () => {
  it.each([
    { a: 20, b: 20 },
    { a: 31, b: 12 },
  ])('equals the SVD Procrustes solution (a=$a, b=$b)', ({ a, b }) => {
    const rng = new Rng(a * b);
    const n = 60;
    const x = gaussian(n, a, rng);
    const y = gaussian(n, b, rng);
    const viaSvd = procrustes(x, y, n, a, b);
    const viaEigen = polarFactor(Float64Array.from(crossProduct(x, y, n, a, b).to1DArray()), a, b);
    for (let i = 0; i < viaSvd.length; i++) expect(viaEigen[i]).toBeCloseTo(viaSvd[i], 4);
    expect(maxOrthonormalityError(viaEigen, a, b)).toBeLessThan(1e-5);
  });

  it('completes rank-deficient inputs (components that are always zero) to orthonormal columns', () => {
    const rng = new Rng(5);
    const a = 16;
    const m = new Float64Array(a * a);
    for (let i = 0; i < m.length; i++) m[i] = rng.normal();
    for (const zeroRow of [2, 3, 11]) for (let j = 0; j < a; j++) m[zeroRow * a + j] = 0;
    const p = polarFactor(m, a, a);
    expect(maxOrthonormalityError(p, a, a)).toBeLessThan(1e-5);
    // It still maximises tr(Pᵀ M) = the sum of singular values: no worse than the SVD's answer.
    const x = new Float32Array(m);
    const identity = new Float32Array(a * a);
    for (let i = 0; i < a; i++) identity[i * a + i] = 1;
    const ref = procrustes(identity, x, a, a, a);
    let tr = 0;
    let trRef = 0;
    for (let i = 0; i < m.length; i++) {
      tr += p[i] * m[i];
      trRef += ref[i] * m[i];
    }
    expect(tr).toBeCloseTo(trRef, 3);
  });
});

describe('polarFactorIterative', () => {
  function trace(p: Float32Array, m: Float64Array): number {
    let s = 0;
    for (let i = 0; i < m.length; i++) s += p[i] * m[i];
    return s;
  }

  it.each([
    { a: 40, b: 40 },
    { a: 53, b: 21 },
  ])('reaches the eigen-based polar factor (a=$a, b=$b)', ({ a, b }) => {
    const rng = new Rng(a + b);
    const m = new Float64Array(a * b);
    // Singular values spread over four orders of magnitude, as in image data.
    for (let r = 0; r < a; r++) for (let j = 0; j < b; j++) m[r * b + j] = rng.normal() * 10 ** (-4 * (j / b));
    const exact = polarFactor(m, a, b);
    const iterative = polarFactorIterative(m, a, b);
    expect(maxOrthonormalityError(iterative, a, b)).toBeLessThan(1e-5);
    expect(trace(iterative, m)).toBeGreaterThan(trace(exact, m) * (1 - 1e-4));
    for (let i = 0; i < exact.length; i++) expect(iterative[i]).toBeCloseTo(exact[i], 2);
  });

  it('completes rank-deficient inputs to orthonormal columns, as polarFactor does', () => {
    const rng = new Rng(9);
    const a = 24;
    const m = new Float64Array(a * a);
    for (let i = 0; i < m.length; i++) m[i] = rng.normal();
    for (const zeroRow of [0, 7, 8, 20]) for (let j = 0; j < a; j++) m[zeroRow * a + j] = 0;
    const p = polarFactorIterative(m, a, a);
    expect(maxOrthonormalityError(p, a, a)).toBeLessThan(1e-5);
    expect(trace(p, m)).toBeCloseTo(trace(polarFactor(m, a, a), m), 2);
    expect(polarFactorIterative(new Float64Array(a * a), a, a).every(Number.isFinite)).toBe(true);
    expect(() => polarFactorIterative(m, 3, 4)).toThrow(/rows ≥ columns/);
  });
});
