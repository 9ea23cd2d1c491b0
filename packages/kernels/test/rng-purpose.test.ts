import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';

const normals = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.normal());

describe('Rng.forPurpose', () => {
  it('is deterministic for a seed and a purpose', () => {
    expect(normals(Rng.forPurpose(7, 'rabitq/rotation'), 16)).toEqual(normals(Rng.forPurpose(7, 'rabitq/rotation'), 16));
  });

  it('draws a stream unlike the plain seed and unlike other purposes', () => {
    const plain = normals(new Rng(1), 64);
    const rotation = normals(Rng.forPurpose(1, 'rabitq/rotation'), 64);
    const lattice = normals(Rng.forPurpose(1, 'lattice/rotation'), 64);
    // Correlation of independent 64-draw normal streams is ~N(0, 1/8); 0.6 is far outside it.
    const corr = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
    expect(Math.abs(corr(plain, rotation))).toBeLessThan(0.6);
    expect(Math.abs(corr(rotation, lattice))).toBeLessThan(0.6);
    expect(rotation).not.toEqual(plain);
  });
});
