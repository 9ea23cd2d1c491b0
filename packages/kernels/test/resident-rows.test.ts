import { describe, expect, it } from 'vitest';
import { dot, multiplyTransposedFast, ResidentRows, Rng } from '../src/index.js';

function randomRows(count: number, dim: number, rng: Rng): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

describe('ResidentRows', () => {
  it.each([
    { count: 1, dim: 5 },
    { count: 37, dim: 9 },
    { count: 2000, dim: 784 },
  ])('scores a vector against rows written in place like multiplyTransposedFast, bit for bit, query after query (count=$count, dim=$dim)', ({ count, dim }) => {
    const rng = new Rng(count + dim);
    const data = randomRows(count, dim, rng);
    const resident = new ResidentRows(count, dim);
    resident.rows.set(data);
    for (let query = 0; query < 3; query++) {
      const x = randomRows(1, dim, rng);
      const got = resident.dots(x);
      expect(Array.from(got)).toEqual(Array.from(multiplyTransposedFast(x, 1, dim, data, count)));
      // And a dot product in fact: within float32 accumulation error of the float64 one.
      for (const i of [0, count >> 1, count - 1]) expect(got[i]).toBeCloseTo(dot(x, 0, data, i * dim, dim), 3);
    }
  }, 60_000);

  it('refuses sizes that are not positive whole numbers, and short inputs or outputs', () => {
    expect(() => new ResidentRows(0, 4)).toThrow(/positive whole count and dim, got 0 × 4/);
    expect(() => new ResidentRows(3, 4).dots(new Float32Array(3))).toThrow(/need 4 inputs and 3 outputs, got 3 and 3/);
    expect(() => new ResidentRows(3, 4).dots(new Float32Array(4), new Float32Array(2))).toThrow(/need 4 inputs and 3 outputs, got 4 and 2/);
  });
});
