import { describe, expect, it } from 'vitest';
import { goldenSectionMinimum } from '../src/index.js';

describe('goldenSectionMinimum', () => {
  it('closes in on the minimum of a unimodal function', () => {
    const { x, value } = goldenSectionMinimum((t) => (t - 1.3) ** 2 + 2, -4, 5, 40);
    expect(x).toBeCloseTo(1.3, 6);
    expect(value).toBeCloseTo(2, 10);
  });

  it('evaluates steps + 2 points and returns the best one evaluated, the first on ties', () => {
    const seen: number[] = [];
    const plateau = (t: number) => {
      seen.push(t);
      return Math.abs(t) < 1 ? 0 : 1;
    };
    const { x, value } = goldenSectionMinimum(plateau, -3, 3, 10);
    expect(seen).toHaveLength(12);
    expect(value).toBe(0);
    expect(x).toBe(seen.find((t) => Math.abs(t) < 1));
  });

  it('ignores NaN values and reports no point when nothing is below Infinity', () => {
    const { x, value } = goldenSectionMinimum((t) => (t < 0 ? NaN : t), -1, 1, 8);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(x).toBe(value);
    const none = goldenSectionMinimum(() => Infinity, 0, 1, 3);
    expect(none.x).toBeNaN();
    expect(none.value).toBe(Infinity);
  });
});
