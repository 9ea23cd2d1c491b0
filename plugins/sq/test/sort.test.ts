import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { sortedFloat32 } from '../src/sort.js';

/** Bit patterns, so −0 and +0 (and any other difference) count. */
function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('sortedFloat32 (radix sort)', () => {
  const rng = new Rng(9);
  const cases: Record<string, Float32Array> = {
    normal: Float32Array.from({ length: 5000 }, () => rng.normal() * 1e3),
    'signed zeros and subnormals': Float32Array.from({ length: 3000 }, (_, i) => [0, -0, 1e-45, -1e-45, 1e-40, -3e-39, rng.normal()][i % 7]),
    'integer pixels (shared low digits)': Float32Array.from({ length: 60000 }, () => Math.floor(rng.float() * 256)),
    'all equal': new Float32Array(2000).fill(-7.5),
    extremes: Float32Array.from({ length: 1000 }, (_, i) => [3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 2 ** -126][i % 5]),
    'small (built-in sort)': Float32Array.from({ length: 100 }, () => rng.normal()),
  };
  it.each(Object.keys(cases))('orders %s exactly as Float32Array.prototype.sort', (name) => {
    const values = cases[name];
    const sorted = sortedFloat32(values);
    expect(bits(sorted)).toEqual(bits(values.slice().sort()));
  });

  it('leaves its input alone and accepts plain arrays', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const before = values.slice();
    expect(Array.from(sortedFloat32(values))).toEqual(Array.from(before).reverse());
    expect(values).toEqual(before);
    expect(Array.from(sortedFloat32([3, -1, 2]))).toEqual([-1, 2, 3]);
  });
});
