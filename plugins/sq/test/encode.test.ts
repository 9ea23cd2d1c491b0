import { Registry, vectors } from '@reef/core';
import { Rng } from '@reef/kernels';
import { expectReefError } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { FloatCodec } from '../src/float-codec.js';
import { float32BitsToBf16Bits, float32BitsToHalfBits } from '@reef/codecs';
import { nearestLevel } from '../src/grid.js';
import { UniformCodec } from '../src/uniform-codec.js';
import { encodeKernels, wasmEncode } from '../src/wasm.js';

function registry(): Registry {
  const r = new Registry();
  r.use(plugin);
  return r;
}

/** Values around [−1, 1] and well outside it, some on exact level boundaries of a [−1, 1] grid. */
function mixedValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, (_, i) => {
    switch (i % 5) {
      case 0:
        return rng.normal() * 3; // often beyond the range: clamped
      case 1:
        return -1 + (2 * Math.floor(rng.float() * 255)) / 255 + 1 / 255; // half a level: ties
      case 2:
        return (rng.float() - 0.5) * 10 ** Math.floor(rng.float() * 13); // levels past 2^15 and 2^31 saturate
      default:
        return rng.float() * 2 - 1;
    }
  });
}

describe('nearest level in float32 arithmetic', () => {
  // Grids far from zero, narrow and wide, 16 and 256 levels; values inside and beyond the range.
  it.each([
    [-1, 1, 255],
    [1000, 1000.5, 255],
    [-3e5, 7e5, 15],
    [0.001, 0.002, 15],
  ])('range [%d, %d], top %i: the nearest level, or one tied to within float32 rounding', (lo, hi, top) => {
    const lower = Math.fround(lo);
    const upper = Math.fround(hi);
    const step = (upper - lower) / top;
    const inverse = Math.fround(1 / step);
    const rng = new Rng(top);
    let moved = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = Math.fround(lower + (rng.float() * 1.2 - 0.1) * (upper - lower));
      const c = nearestLevel(x, lower, inverse, top);
      const exact = Math.min(top, Math.max(0, Math.floor((x - lower) / step + 0.5)));
      if (c === exact) continue;
      moved++;
      // Only values about equidistant from two levels may land on the other one.
      expect(Math.abs(c - exact)).toBe(1);
      const distance = (level: number) => Math.abs(x - (lower + level * step));
      expect(Math.abs(distance(c) - distance(exact))).toBeLessThan(1e-5 * step + 2 ** -23 * Math.abs(x));
    }
    expect(moved).toBeLessThan(n / 100);
    expect(nearestLevel(Math.fround(lower - step), lower, inverse, top)).toBe(0);
    expect(nearestLevel(Math.fround(upper + 2 * step), lower, inverse, top)).toBe(top);
    expect(nearestLevel(upper, lower, inverse, top)).toBe(top);
    expect(nearestLevel(lower, lower, inverse, top)).toBe(0);
  });
});

describe('WASM encoders', () => {
  it('are available here (so the comparisons below test them)', () => {
    expect(encodeKernels()).not.toBeNull();
  });

  // Ragged dimensions exercise the scalar tails after 16 (levels), 32 (4-bit) and 16 (6-bit) lanes.
  it.each([1, 3, 7, 16, 17, 31, 33, 50, 100])('give the JS encoder’s codes bit for bit, dim %i', (dim) => {
    const count = 97;
    const data = mixedValues(count * dim, dim);
    const rng = new Rng(dim + 1);
    const lower = Float32Array.from({ length: dim }, () => -1 - rng.float() * 0.1);
    const upper = Float32Array.from({ length: dim }, (_, d) => (d % 4 === 3 ? lower[d] : 1 + rng.float() * 0.1)); // some constant dims
    for (const bits of [8, 6, 4]) {
      for (const [lo, hi] of [
        [lower, upper],
        [Float32Array.of(-1), Float32Array.of(1)],
      ]) {
        const wasm = new UniformCodec(dim, bits, lo, hi);
        const js = new UniformCodec(dim, bits, lo, hi, false);
        const a = new Uint8Array(count * wasm.codeSize);
        const b = new Uint8Array(count * js.codeSize);
        expect(wasm.encode(data, count, a)).toBe(true); // checked finiteness on the way
        expect(js.encode(data, count, b)).toBe(false); // left it to the caller
        expect(a).toEqual(b);
      }
    }
    for (const kind of ['fp16', 'bf16'] as const) {
      const a = new Uint8Array(count * 2 * dim);
      const b = new Uint8Array(count * 2 * dim);
      expect(new FloatCodec(dim, kind).encode(data, count, a)).toBe(true);
      new FloatCodec(dim, kind, false).encode(data, count, b);
      expect(a).toEqual(b);
    }
  });

  it('cast to fp16 and bf16 as the reference conversions do, on every exponent and rounding case', () => {
    // Every exponent, with mantissas at and around each rounding tie (fp16 keeps 10 of 23 bits,
    // subnormals fewer; bf16 keeps 7), both signs, plus random mantissas.
    const rng = new Rng(5);
    const words: number[] = [];
    for (let exponent = 0; exponent < 255; exponent++) {
      for (const sign of [0, 0x80000000]) {
        for (let shift = 0; shift < 23; shift++) {
          for (const m of [1 << shift, (1 << shift) - 1, (1 << shift) + 1, (3 << shift) & 0x7fffff, 0x7fffff]) {
            words.push((sign | (exponent << 23) | (m & 0x7fffff)) >>> 0);
          }
        }
        for (let j = 0; j < 20; j++) words.push((sign | (exponent << 23) | Math.floor(rng.float() * 0x800000)) >>> 0);
      }
    }
    const bits = Uint32Array.from(words);
    const values = new Float32Array(bits.buffer);
    const k = encodeKernels()!;
    for (const [half, reference] of [
      [true, float32BitsToHalfBits],
      [false, float32BitsToBf16Bits],
    ] as const) {
      const out = new Uint8Array(2 * values.length);
      const spec = { kind: half ? 'fp16' : 'bf16', dim: 5, codeSize: 10 } as const;
      expect(wasmEncode(k, spec, values, values.length / 5, out)).toBe(true);
      const got = new Uint16Array(out.buffer);
      const mismatches = [];
      for (let i = 0; i < bits.length; i++) if (got[i] !== reference(bits[i])) mismatches.push(bits[i].toString(16));
      expect(mismatches).toEqual([]);
    }
  });
});

describe('non-finite values, found by the encoding and range passes', () => {
  const formats = [{ format: '8bit' }, { format: '6bit' }, { format: '4bit' }, { format: '8bit', range: 'global' }, { format: 'fp16' }, { format: 'bf16' }];

  it.each(formats)('encode %j names the first NaN or ±Inf (vector and component), in SIMD lanes and tails', async (params) => {
    const dim = 37; // 32 lanes + a tail of 5
    const data = mixedValues(50 * dim, 2);
    const q = registry().createQuantizer('sq', params, dim);
    await q.fit(vectors(data, dim));
    for (const [bad, i, d] of [
      [NaN, 3, 1],
      [Infinity, 49, 36],
      [-Infinity, 20, 34],
      [NaN, 0, 0],
    ] as const) {
      const poisoned = data.slice();
      poisoned[i * dim + d] = bad;
      if (i * dim + d < poisoned.length - 1) poisoned[poisoned.length - 1] = NaN; // a later one is not named
      expectReefError(() => q.encode(vectors(poisoned, dim)), 'NON_FINITE', String(bad), `vector ${i}`, `component ${d}`);
    }
    expect(q.encode(vectors(data, dim)).length).toBe(50 * q.codeSize);
  });

  it.each([...formats, { format: '4bit', estimator: 'optim' }, { format: '6bit', estimator: 'meanstd' }])(
    'fit %j names the first NaN or ±Inf',
    async (params) => {
      const dim = 13; // 12 lanes + a tail of 1
      for (const [bad, i, d] of [
        [NaN, 7, 12],
        [Infinity, 0, 5],
        [-Infinity, 29, 0],
      ] as const) {
        const data = mixedValues(30 * dim, 3);
        data[i * dim + d] = bad;
        await expectReefError(() => registry().createQuantizer('sq', params, dim).fit(vectors(data, dim)), 'NON_FINITE', String(bad), `vector ${i}`, `component ${d}`);
      }
    },
  );
});

describe('min–max pass (ordered integer keys)', () => {
  it('orders −0 before +0 in either order of arrival, as IEEE min/max do, in SIMD lanes and the tail', async () => {
    const dim = 6; // four lanes + a tail of 2
    // Rows: column d holds −0 then +0 for even d, +0 then −0 for odd d; nothing else.
    const data = new Float32Array(2 * dim);
    for (let d = 0; d < dim; d++) {
      data[d] = d % 2 === 0 ? -0 : 0;
      data[dim + d] = d % 2 === 0 ? 0 : -0;
    }
    const q = registry().createQuantizer('sq', { format: '8bit' }, dim);
    await q.fit(vectors(data, dim));
    const { lower, upper } = q.save().arrays;
    for (let d = 0; d < dim; d++) {
      expect(Object.is(lower.data[d], -0)).toBe(true);
      expect(Object.is(upper.data[d], 0)).toBe(true);
    }
  });

  it('finds extremes across chunks, with negative and subnormal values', async () => {
    const dim = 9;
    const count = 20_000; // several chunks of rows
    const data = mixedValues(count * dim, 4);
    data[12_345 * dim + 8] = -1e-45;
    data[19_999 * dim + 2] = -3.4e38;
    const q = registry().createQuantizer('sq', { format: '4bit' }, dim);
    await q.fit(vectors(data, dim));
    const { lower, upper } = q.save().arrays;
    for (let d = 0; d < dim; d++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < count; i++) {
        lo = Math.min(lo, data[i * dim + d]);
        hi = Math.max(hi, data[i * dim + d]);
      }
      expect([lower.data[d], upper.data[d]]).toEqual([lo, hi]);
    }
  });
});

describe('encoding into a caller’s buffer', () => {
  const formats = [{ format: '8bit' }, { format: '6bit' }, { format: '4bit' }, { format: 'fp16' }, { format: 'bf16' }];

  it.each(formats)('%j writes the same codes as a fresh encode, into the given buffer, batch after batch', async (params) => {
    const dim = 21;
    const q = registry().createQuantizer('sq', params, dim) as import('../src/quantizer.js').ScalarQuantizer;
    await q.fit(vectors(mixedValues(80 * dim, 4), dim));
    const out = new Uint8Array(30 * q.codeSize).fill(0xa5); // stale bytes must all be overwritten
    for (const seed of [5, 6]) {
      const batch = vectors(mixedValues(30 * dim, seed), dim);
      expect(q.encode(batch, out)).toBe(out);
      expect(out).toEqual(q.encode(batch));
    }
  });

  it('rejects a buffer of the wrong size, naming both sizes, and leaves it untouched', async () => {
    const dim = 8;
    const q = registry().createQuantizer('sq', { format: '8bit' }, dim) as import('../src/quantizer.js').ScalarQuantizer;
    await q.fit(vectors(mixedValues(40 * dim, 1), dim));
    const short = new Uint8Array(5 * dim - 1).fill(7);
    expectReefError(() => q.encode(vectors(mixedValues(5 * dim, 2), dim), short), 'INVALID_PARAM', '39 bytes', '5 vectors × 8 = 40');
    expect(short.every((b) => b === 7)).toBe(true);
  });
});
