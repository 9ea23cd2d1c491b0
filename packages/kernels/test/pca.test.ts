import { describe, expect, it } from 'vitest';
import { multiply, principalAxes, randomOrthogonal, Rng } from '../src/index.js';

describe('principalAxes', () => {
  // Gaussian vectors with standard deviations 6, 5, …, 1 along the columns of a known rotation Q,
  // shifted by a constant: the axes must be Q's columns (up to sign), the variances 36, 25, …, 1.
  const d = 6;
  const n = 20000;
  const rng = new Rng(3);
  const q = randomOrthogonal(d, rng);
  const z = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] = rng.normal() * (d - j);
  // x = z Qᵀ, so that column j of Q carries standard deviation d − j.
  const qt = new Float32Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) qt[a * d + b] = q[b * d + a];
  const x = multiply(z, n, d, qt, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] += 100;

  it('finds the variances and directions of known data, mean removed', () => {
    const { mean, variances, axes } = principalAxes(x, n, d, { maxPoints: n });
    for (let j = 0; j < d; j++) {
      expect(mean[j]).toBeCloseTo(100, 0);
      expect(variances[j] / (d - j) ** 2).toBeGreaterThan(0.95);
      expect(variances[j] / (d - j) ** 2).toBeLessThan(1.05);
      let cos = 0;
      for (let r = 0; r < d; r++) cos += axes[r * d + j] * q[r * d + j];
      expect(Math.abs(cos)).toBeGreaterThan(0.99);
    }
  });

  it('uses a seeded subset beyond maxPoints, and refuses fewer than two rows', () => {
    const a = principalAxes(x, n, d, { maxPoints: 4000, seed: 5 });
    expect(principalAxes(x, n, d, { maxPoints: 4000, seed: 5 }).axes).toEqual(a.axes);
    expect(a.variances[0] / 36).toBeGreaterThan(0.9);
    expect(() => principalAxes(x, 1, d)).toThrow(/at least 2 rows/);
  });
});
