import type { Tensor } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { changedFraction, sparse } from '../src/sparse.js';

/** Seeded f32 weights; every k-th element (`changed` of them) moved by 1% of the scale. */
function pair(n: number, changed: number): { ref: Tensor; target: Tensor } {
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = Math.sin(i * 0.37 + 1) * 0.05;
  const t = new Float32Array(r);
  const every = Math.max(1, Math.round(1 / changed));
  for (let i = 0; i < n; i += every) t[i] += 5e-4 * Math.cos(i * 1.7);
  const tensor = (v: Float32Array): Tensor => ({ dtype: 'f32', shape: [n], data: new Uint8Array(v.buffer) });
  return { ref: tensor(r), target: tensor(t) };
}

describe('sparse worthTrying hint', () => {
  it('measures the changed fraction of elements on a strided sample', () => {
    const all = pair(40_000, 1);
    expect(changedFraction(all.target, all.ref.data)).toBe(1);
    const { ref, target } = pair(40_000, 0.1);
    expect(changedFraction(target, ref.data)).toBeCloseTo(0.1, 1);
    expect(changedFraction(ref, ref.data)).toBe(0);
    expect(changedFraction({ dtype: 'f32', shape: [0], data: new Uint8Array(0) }, new Uint8Array(0))).toBe(0);
  });

  it('is worth trying up to 2/3 of the elements changed, not above', () => {
    const hint = sparse.worthTrying!;
    for (const [changed, worth] of [[0.02, true], [0.5, true], [1, false]] as const) {
      const { ref, target } = pair(20_000, changed);
      expect(hint(target, ref), `changed ${changed}`).toBe(worth);
    }
  });
});
