import { describe, expect, it } from 'vitest';
import { fitLowRank } from '../src/low-rank-fit.js';

/** Seeded standard normals (xorshift + Box-Muller) so failures reproduce. */
function normals(seed: number, n: number): Float64Array {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** Σ_c scales[c] u_c v_cᵀ (u_c, v_c seeded normals scaled to unit norm) + noise × N(0, 1) per element. */
function planted(rows: number, cols: number, scales: number[], noise: number, seed: number): Float64Array {
  const d = normals(seed, rows * cols).map((x) => noise * x);
  scales.forEach((scale, c) => {
    const u = normals(seed + 10 + c, rows);
    const v = normals(seed + 20 + c, cols);
    const nu = Math.hypot(...u);
    const nv = Math.hypot(...v);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] += (scale * u[i] * v[j]) / (nu * nv);
  });
  return d;
}

/** RMS of d − U V with the fit's stored (f32) factors. */
function residualRms(d: Float64Array, rows: number, cols: number, fit: { rank: number; factors: Float32Array }): number {
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let x = d[i * cols + j];
      for (let c = 0; c < fit.rank; c++) x -= fit.factors[i * fit.rank + c] * fit.factors[rows * fit.rank + c * cols + j];
      sum += x * x;
    }
  }
  return Math.sqrt(sum / (rows * cols));
}

describe('fitLowRank', () => {
  const rows = 120;
  const cols = 200;
  // Each component's factors cost 2 × 320 × 32 bits; at this noise every planted component saves
  // several times that (the residual drops from ~1e-3 to 1e-6 per element: ~10 bits each).
  const noise = 1e-6;
  const floor = 1e-16; // rounding noise far below the planted noise

  for (const rank of [1, 3, 6]) {
    it(`finds a planted rank-${rank} update in noise, leaving a residual at the noise`, () => {
      // Component sizes 5000-1000 × the noise's spectral norm (~noise × (√rows + √cols) ≈ 2.5e-5).
      const scales = Array.from({ length: rank }, (_, c) => 0.12 - (0.1 * c) / rank);
      const d = planted(rows, cols, scales, noise, 3 + rank);
      const fit = fitLowRank(d.slice(), rows, cols, 8, floor);
      expect(fit.rank).toBe(rank);
      expect(fit.factors.length).toBe(rank * (rows + cols));
      const rms = residualRms(d, rows, cols, fit);
      expect(rms).toBeLessThan(1.02 * noise);
      expect(rms).toBeGreaterThan(0.9 * noise);
    });
  }

  it('separates two components of equal size (a sin/cos pair, as an epoch step of sin(i + epoch) makes)', () => {
    const d = planted(rows, cols, [0.05, 0.05], noise, 41);
    const fit = fitLowRank(d.slice(), rows, cols, 8, floor);
    expect(fit.rank).toBe(2);
    expect(residualRms(d, rows, cols, fit)).toBeLessThan(1.02 * noise);
  });

  it('grows its block past 4 when every component of the first block saves enough (rank 7 of at most 8)', () => {
    const d = planted(rows, cols, [0.2, 0.18, 0.16, 0.14, 0.12, 0.1, 0.08], noise, 57);
    const fit = fitLowRank(d.slice(), rows, cols, 8, floor);
    expect(fit.rank).toBe(7);
    expect(residualRms(d, rows, cols, fit)).toBeLessThan(1.02 * noise);
  });

  it('stops at maxRank', () => {
    // Sizes a decade apart: each component alone saves ~3 bits per element, more than it costs.
    const d = planted(rows, cols, [1, 0.1, 0.01, 0.001, 0.0001], noise, 61);
    expect(fitLowRank(d.slice(), rows, cols, 3, floor).rank).toBe(3);
  });

  it('fits nothing to an SGD-like update (noise, no low-rank part)', () => {
    const d = planted(rows, cols, [], noise, 71);
    expect(fitLowRank(d, rows, cols, 8, floor)).toEqual({ rank: 0, factors: new Float32Array(0) });
  });

  it('keeps rows and columns that did not change at exactly zero in its factors', () => {
    const d = planted(rows, cols, [0.1, 0.07], noise, 83);
    for (let j = 0; j < cols; j++) d[5 * cols + j] = 0;
    for (let i = 0; i < rows; i++) d[i * cols + 17] = 0;
    const fit = fitLowRank(d.slice(), rows, cols, 8, floor);
    expect(fit.rank).toBe(2);
    for (let c = 0; c < 2; c++) {
      expect(fit.factors[5 * 2 + c]).toBe(0);
      expect(fit.factors[rows * 2 + c * cols + 17]).toBe(0);
    }
  });
});
