import { ReefError, elementCount } from '@reef/core';
import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { clusteredVectors, expectReefError, meanSquaredError, perturbedTensor, randomBitsTensor, toFloat64, totalVariance } from '../src/index.js';

describe('testkit helpers', () => {
  it('draws the same clustered data for the same seed, different for another', () => {
    const a = clusteredVectors(50, 6, 3);
    expect([...clusteredVectors(50, 6, 3).data]).toEqual([...a.data]);
    expect([...clusteredVectors(50, 6, 4).data]).not.toEqual([...a.data]);
    expect(totalVariance(a)).toBeGreaterThan(0);
    expect(meanSquaredError(a.data, a.data, 6)).toBe(0);
  });

  it('expectReefError fails when nothing is thrown or the code differs', () => {
    expect(() => expectReefError(() => undefined, 'BAD_CODES')).toThrow();
    expect(() => expectReefError(() => { throw new ReefError('NON_FINITE', 'x'); }, 'BAD_CODES')).toThrow();
    expectReefError(() => { throw new ReefError('BAD_CODES', 'codes of 3 bytes'); }, 'BAD_CODES', '3 bytes');
  });

  it('decodes f16 and bf16 bit patterns and perturbs tensors slightly', () => {
    const half = { dtype: 'f16' as const, shape: [3], data: Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]) };
    expect([...toFloat64(half)]).toEqual([1, -2, Infinity]);
    const bf = { dtype: 'bf16' as const, shape: [1], data: Uint8Array.from([0x80, 0x3f]) };
    expect([...toFloat64(bf)]).toEqual([1]);
    const t = randomBitsTensor('f32', [4, 5], new Rng(1));
    expect(t.data.length).toBe(elementCount([4, 5]) * 4);
    const base = { dtype: 'f64' as const, shape: [100], data: new Uint8Array(new Float64Array(100).fill(1).buffer) };
    const moved = toFloat64(perturbedTensor(base, new Rng(2)));
    expect(moved.some((v) => v !== 1)).toBe(true);
    expect(moved.every((v) => Math.abs(v - 1) < 0.1)).toBe(true);
  });
});
