import { describe, expect, it } from 'vitest';
import { workspace } from '../src/low-rank-kernels.js';
import { predict } from '../src/low-rank-residual.js';

/** Seeded uniforms in [-0.5, 0.5). */
function uniforms(seed: number, n: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296 - 0.5;
  });
}

describe('low-rank kernels: WebAssembly and JS', () => {
  const rows = 37;
  const cols = 61; // odd: the two-lane loops' last column
  const matrix = uniforms(1, rows * cols);
  for (let j = 0; j < cols; j++) matrix[4 * cols + j] = 0; // a dead row
  for (let i = 0; i < rows; i++) matrix[i * cols + 9] = 0; // a dead column

  it('compute the same products, live marks and log sums (to rounding)', () => {
    const b = 3;
    const results = [true, false].map((useWasm) => {
      const ws = workspace(1 << 20, useWasm);
      const d = ws.f64(rows * cols);
      d.set(matrix);
      const v = ws.f64(b * cols);
      v.set(uniforms(2, b * cols));
      const u = ws.f64(b * rows);
      ws.multiplyBlock(d, rows, cols, v, b, u);
      const back = ws.f64(b * cols);
      ws.multiplyTransposedBlock(d, rows, cols, u, b, back);
      const us = ws.f32(b * rows);
      us.set(uniforms(3, b * rows));
      const vs = ws.f32(b * cols);
      vs.set(uniforms(4, b * cols));
      const sample = ws.i32(100);
      sample.forEach((_, k) => (sample[k] = (k * 22) % (rows * cols)));
      const marks = ws.liveMarks(d, rows, cols);
      return {
        u: Array.from(u),
        back: Array.from(back),
        live: Array.from(marks.live),
        any: marks.any,
        logSum: ws.logSum(d, 1e-6),
        logs: Array.from(ws.residualLogs(d, sample, rows, cols, us, vs, b, 1e-6)),
        allLogs: Array.from(ws.residualLogs(d, null, rows, cols, us, vs, b, 1e-6)),
      };
    });
    const [wasm, js] = results;
    expect(wasm.live).toEqual(js.live);
    expect(wasm.live[4]).toBe(0);
    expect(wasm.live[rows + 9]).toBe(0);
    expect(wasm.any).toBe(true);
    for (const key of ['u', 'back', 'logs', 'allLogs'] as const) {
      wasm[key].forEach((x, k) => expect(x, `${key}[${k}]`).toBeCloseTo(js[key][k], 9));
    }
    expect(wasm.logSum).toBeCloseTo(js.logSum, 6);
  });

  it('build the same f32 update: t − r where finite, else 0, and the same noise sum', () => {
    const n = rows * cols;
    const t = Float32Array.from(uniforms(5, n));
    const r = Float32Array.from(uniforms(6, n));
    t[3] = NaN;
    r[7] = Infinity;
    t[8] = -Infinity;
    const noise = Float64Array.from({ length: 256 }, (_, e) => e);
    const ws = workspace(1 << 20);
    const whole = ws.update32?.(new Uint32Array(t.buffer), new Uint32Array(r.buffer), noise);
    if (!whole) return console.log('WebAssembly not available here: nothing to compare');
    const finite = Array.from(t, (x, k) => Number.isFinite(x - r[k]));
    expect(Array.from(whole.d)).toEqual(Array.from(t, (x, k) => (finite[k] ? x - r[k] : 0)));
    const bits = new Uint32Array(t.buffer);
    expect(whole.floorSum).toBe(finite.reduce((s, f, k) => s + (f ? (bits[k] >>> 23) & 0xff : 0), 0));
  });

  it('predict the same f32 bit patterns, specials and overflow included', () => {
    const rank = 2;
    const ref = Float32Array.from(uniforms(7, rows * cols));
    const refBits = new Uint32Array(ref.buffer);
    const specials = [0x7fc00001, 0xffa0beef, 0x7f800000, 0xff800000, 0x80000000, 0, 1, 0x807fffff, 0x7f7fffff, 0xff7fffff];
    specials.forEach((bits, k) => (refBits[k * 13] = bits));
    const factors = Float32Array.from(uniforms(8, rank * (rows + cols)), (x) => x * 1e-3);
    factors[8 * 13 < rows * rank ? 0 : 0] = 3e38; // a product that overflows an f32 near the largest weights
    factors[rows * rank] = 3e38;
    const wasm = predict('f32', refBits, rows, cols, rank, factors);
    const js = predict('f32', refBits, rows, cols, rank, factors, false);
    expect(Buffer.from(wasm.buffer).equals(Buffer.from(js.buffer))).toBe(true);
    expect(wasm[0]).toBe(refBits[0]); // NaN reference: its own bits
  });
});
