import { describe, expect, it } from 'vitest';
import { SKETCH_SAMPLE, sketchDots, sketchDotsJs } from '../src/sketch.js';
import { signature } from '../src/similarity.js';

/** Deterministic values with zeros, negatives, tiny and large magnitudes mixed in. */
function values(m: number, seed: number): Float64Array {
  const out = new Float64Array(m);
  let s = seed >>> 0;
  for (let k = 0; k < m; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[k] = k % 7 === 3 ? 0 : k % 11 === 5 ? -0 : (u - 0.5) * 10 ** ((s % 9) - 4);
  }
  return out;
}

describe('similarity sketch kernel', () => {
  it('gives the JS loop’s sums bit for bit', () => {
    for (const m of [0, 1, 2, 3, 17, 512, 2047, SKETCH_SAMPLE]) {
      for (const seed of [1, 2, 3]) {
        const v = values(m, seed);
        const wasm = sketchDots(v);
        const js = sketchDotsJs(v);
        expect(wasm.length).toBe(64);
        for (let b = 0; b < 64; b++) expect(Object.is(wasm[b], js[b]), `m=${m} seed=${seed} bit ${b}: ${wasm[b]} vs ${js[b]}`).toBe(true);
      }
    }
  });

  it('keeps no state between calls (a shorter sample after a longer one)', () => {
    const short = values(100, 9);
    const first = sketchDots(short);
    sketchDots(values(SKETCH_SAMPLE, 8));
    expect([...sketchDots(short)]).toEqual([...first]);
  });

  it('refuses more values than a sketch samples, naming the count', () => {
    expect(() => sketchDots(new Float64Array(SKETCH_SAMPLE + 1))).toThrow(/2049 values/);
  });

  it('signatures are unchanged (values recorded before the kernel)', () => {
    const f32 = new Float32Array(4096);
    for (let i = 0; i < f32.length; i++) f32[i] = Math.sin(i * 0.37) * (i % 5 === 0 ? 0 : 1);
    const t = { dtype: 'f32' as const, shape: [64, 64], data: new Uint8Array(f32.buffer) };
    expect(signature(t)).toBe(RECORDED);
    // f32 bytes at an odd offset take the byte-copy path: same sample, same signature.
    const shifted = new Uint8Array(t.data.length + 2);
    shifted.set(t.data, 2);
    expect(signature({ ...t, data: shifted.subarray(2) })).toBe(RECORDED);
  });

  it('samples NaN and infinities as 0 on both sampling paths', () => {
    const f32 = new Float32Array([1, Number.NaN, -2, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY, -4, 0.5]);
    const clean = new Float32Array([1, 0, -2, 0, 3, 0, -4, 0.5]);
    const aligned = (a: Float32Array) => ({ dtype: 'f32' as const, shape: [a.length], data: new Uint8Array(a.buffer) });
    const odd = new Uint8Array(f32.byteLength + 1);
    odd.set(new Uint8Array(f32.buffer), 1);
    expect(signature(aligned(f32))).toBe(signature(aligned(clean)));
    expect(signature({ dtype: 'f32', shape: [8], data: odd.subarray(1) })).toBe(signature(aligned(clean)));
  });
});

/** signature() of the tensor above as computed by the JS loop with a ±1 table (commit fb48bf2). */
const RECORDED = '3375b887b7211071';
