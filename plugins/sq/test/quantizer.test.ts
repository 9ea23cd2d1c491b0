import { Registry, vectors, type Quantizer, type SavedModel } from '@reef/core';
import { Rng, dot, l2sqr } from '@reef/kernels';
import { expectReefError, seededVectors } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import plugin, { sqQuantizer } from '../src/index.js';
import { FloatCodec } from '../src/float-codec.js';
import { UniformCodec } from '../src/uniform-codec.js';

function registry(): Registry {
  const r = new Registry();
  r.use(plugin);
  return r;
}

/** Seeded Gaussian components around 3 (testkit's generator). */
const randomVectors = (count: number, dim: number, seed: number, scale = 1): Float32Array => seededVectors(count, dim, { seed, scale, shift: 3 }).data;

async function trained(params: Record<string, unknown>, dim = 7, count = 300): Promise<Quantizer> {
  const q = registry().createQuantizer('sq', params, dim);
  await q.fit(vectors(randomVectors(count, dim, 1), dim));
  return q;
}

describe('code sizes and model sizes', () => {
  it.each([
    ['8bit', 'per-dim', 7, 7 * 4 * 2],
    ['6bit', 'per-dim', 6, 7 * 4 * 2], // 7 × 6 bits = 42 bits → 6 bytes
    ['4bit', 'per-dim', 4, 7 * 4 * 2], // 28 bits → 4 bytes
    ['4bit', 'global', 4, 2 * 4],
    ['fp16', 'per-dim', 14, 0],
    ['bf16', 'per-dim', 14, 0],
  ])('%s with %s ranges: %i bytes per 7-d code, model of %i bytes', async (format, range, codeSize, modelBytes) => {
    const q = await trained({ format, range });
    expect(q.codeSize).toBe(codeSize);
    expect(q.modelBytes()).toBe(modelBytes);
  });
});

describe('encoding', () => {
  it('reproduces the ends of min–max ranges exactly (FAISS decodes them half a step off)', async () => {
    const dim = 5;
    const data = randomVectors(100, dim, 2);
    const q = registry().createQuantizer('sq', { format: '4bit' }, dim);
    await q.fit(vectors(data, dim));
    const decoded = q.decode(q.encode(vectors(data, dim)));
    for (let d = 0; d < dim; d++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < 100; i++) {
        lo = Math.min(lo, data[i * dim + d]);
        hi = Math.max(hi, data[i * dim + d]);
      }
      const column = Array.from({ length: 100 }, (_, i) => decoded[i * dim + d]);
      expect(column).toContain(lo);
      expect(column).toContain(hi);
    }
  });

  it('rounds every component to the nearest level: error at most half a step', async () => {
    const dim = 6;
    const data = randomVectors(400, dim, 3);
    for (const [format, levels] of [['8bit', 256], ['6bit', 64], ['4bit', 16]] as const) {
      const q = registry().createQuantizer('sq', { format }, dim);
      await q.fit(vectors(data, dim));
      const saved = q.save();
      const lower = saved.arrays.lower.data as Float32Array;
      const upper = saved.arrays.upper.data as Float32Array;
      const decoded = q.decode(q.encode(vectors(data, dim)));
      for (let i = 0; i < data.length; i++) {
        const d = i % dim;
        const halfStep = (upper[d] - lower[d]) / (levels - 1) / 2;
        expect(Math.abs(decoded[i] - data[i])).toBeLessThanOrEqual(halfStep + Math.abs(data[i]) * 2 ** -23); // plus float32 rounding of the level
      }
    }
  });

  it('min–max ranges are the exact extremes, per dimension and global (WASM SIMD pass, ragged dim)', async () => {
    const dim = 11; // not a multiple of the four SIMD lanes
    const count = 70_000; // more rows than one copied chunk
    const data = randomVectors(count, dim, 9, 5);
    const lo = new Float32Array(dim).fill(Infinity);
    const hi = new Float32Array(dim).fill(-Infinity);
    for (let i = 0; i < data.length; i++) {
      lo[i % dim] = Math.min(lo[i % dim], data[i]);
      hi[i % dim] = Math.max(hi[i % dim], data[i]);
    }
    const perDim = registry().createQuantizer('sq', { format: '8bit' }, dim);
    await perDim.fit(vectors(data, dim));
    expect(perDim.save().arrays.lower.data).toEqual(lo);
    expect(perDim.save().arrays.upper.data).toEqual(hi);
    const global = registry().createQuantizer('sq', { format: '4bit', range: 'global' }, dim);
    await global.fit(vectors(data, dim));
    expect([...global.save().arrays.lower.data]).toEqual([Math.min(...lo)]);
    expect([...global.save().arrays.upper.data]).toEqual([Math.max(...hi)]);
  });

  it('clamps values outside the trained range to its ends', async () => {
    const q = await trained({ format: '8bit', range: 'global' }, 3);
    const { lower, upper } = q.save().arrays;
    const decoded = q.decode(q.encode(vectors(Float32Array.of(-1e6, 1e6, 3), 3)));
    expect(decoded[0]).toBe(lower.data[0]);
    expect(decoded[1]).toBe(upper.data[0]);
  });

  it('casts to fp16 and bf16 like the reference conversions', async () => {
    const input = Float32Array.of(1, -2.5, 0.1, 70000, 1e-8, 3.14159, 100.3);
    const fp16 = await trained({ format: 'fp16' });
    expect([...fp16.decode(fp16.encode(vectors(input, 7)))]).toEqual([1, -2.5, 0.0999755859375, 65504, 0, 3.140625, 100.3125]);
    const bf16 = await trained({ format: 'bf16' });
    expect([...bf16.decode(bf16.encode(vectors(input, 7)))]).toEqual([1, -2.5, 0.10009765625, 70144, 1.0011717677116394e-8, 3.140625, 100.5]);
  });
});

describe('asymmetric search', () => {
  it.each(['8bit', '6bit', '4bit', 'fp16', 'bf16'])('%s: l2 and ip distances equal those to the decoded vectors', async (format) => {
    const dim = 77; // SIMD blocks of 16 and 32 dimensions plus an odd tail, not a multiple of 4
    const q = await trained({ format }, dim);
    const base = randomVectors(50, dim, 8);
    const codes = q.encode(vectors(base, dim));
    const decoded = q.decode(codes);
    const query = randomVectors(1, dim, 9);
    const l2 = q.search!.prepare(query, 'l2').distances(codes);
    const ip = q.search!.prepare(query, 'ip').distances(codes);
    for (let i = 0; i < 50; i++) {
      expect(l2[i]).toBeCloseTo(l2sqr(query, 0, decoded, i * dim, dim), 3);
      expect(ip[i]).toBeCloseTo(dot(query, 0, decoded, i * dim, dim), 3);
    }
  });

  it.each([8, 6, 4])('%i-bit: the WASM SIMD scan agrees with the JavaScript scan', (bits) => {
    const rng = new Rng(bits);
    for (const dim of [5, 16, 33, 100]) {
      const lower = Float32Array.from({ length: dim }, () => rng.normal());
      const upper = Float32Array.from(lower, (v) => v + 0.1 + rng.float() * 3);
      const simd = new UniformCodec(dim, bits, lower, upper);
      const js = new UniformCodec(dim, bits, lower, upper, false);
      const count = 300;
      const codes = new Uint8Array(count * simd.codeSize);
      simd.encode(randomVectors(count, dim, dim, 2), count, codes);
      const query = randomVectors(1, dim, 77, 2);
      for (const metric of ['l2', 'ip'] as const) {
        const a = simd.prepare(query, metric).distances(codes);
        const b = js.prepare(query, metric).distances(codes);
        for (let i = 0; i < count; i++) expect(a[i]).toBeCloseTo(b[i], 3);
      }
    }
  });

  it.each(['fp16', 'bf16'] as const)('%s: the WASM SIMD scan agrees with the JavaScript scan, subnormals included', (kind) => {
    for (const dim of [3, 8, 21, 100]) {
      const simd = new FloatCodec(dim, kind);
      const js = new FloatCodec(dim, kind, false);
      const count = 200;
      // Magnitudes from 1e-7 (fp16 subnormals) to 1e4, both signs.
      const rng = new Rng(dim);
      const data = Float32Array.from({ length: count * dim }, () => (rng.float() < 0.5 ? -1 : 1) * 10 ** (rng.float() * 11 - 7));
      const codes = new Uint8Array(count * simd.codeSize);
      simd.encode(data, count, codes);
      const query = Float32Array.from({ length: dim }, () => rng.normal() * 1e-3);
      for (const metric of ['l2', 'ip'] as const) {
        const a = simd.prepare(query, metric).distances(codes);
        const b = js.prepare(query, metric).distances(codes);
        // float32 sums: relative to the largest magnitude (inner products of mixed signs cancel)
        const scale = Math.max(...b.map(Math.abs));
        for (let i = 0; i < count; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 * scale);
      }
    }
  });

  it('writes into a caller-provided buffer', async () => {
    const q = await trained({ format: '8bit' });
    const codes = q.encode(vectors(randomVectors(4, 7, 2), 7));
    const out = new Float32Array(10).fill(-1);
    const result = q.search!.prepare(randomVectors(1, 7, 3), 'l2').distances(codes, out);
    expect(result).toBe(out);
    expect(out[3]).toBeGreaterThan(0);
    expect(out[4]).toBe(-1);
  });
});

describe('save and load', () => {
  it.each([{ format: '6bit', range: 'global', estimator: 'optim' }, { format: '4bit', estimator: 'quantiles', quantile: 0.05 }, { format: 'bf16' }])(
    'restores %o with identical codes and decoding',
    async (params) => {
      const q = await trained(params, 9);
      const saved = q.save();
      expect(saved.params).toEqual(q.params);
      const loaded = registry().loadQuantizer(saved);
      const data = vectors(randomVectors(20, 9, 4, 3), 9);
      expect([...loaded.encode(data)]).toEqual([...q.encode(data)]);
      expect(loaded.params).toEqual(q.params);
    },
  );
});

describe('bad input', () => {
  it('refuses unknown and invalid parameters, naming them', () => {
    const r = registry();
    expectReefError(() => r.createQuantizer('sq', { bits: 8 }), 'UNKNOWN_PARAM', 'bits', 'format');
    expectReefError(() => r.createQuantizer('sq', { format: '3bit' }), 'INVALID_PARAM', 'format', '3bit', '8bit, 6bit, 4bit, fp16, bf16');
    expectReefError(() => r.createQuantizer('sq', { estimator: 'median' }), 'INVALID_PARAM', 'estimator', 'median');
    expectReefError(() => r.createQuantizer('sq', { k: -1 }), 'INVALID_PARAM', "'k'", '-1');
    expectReefError(() => r.createQuantizer('sq', { quantile: 0.7 }), 'INVALID_PARAM', 'quantile', '0.7');
    // The plugin validates on its own too, for hosts that call create() directly.
    expectReefError(() => sqQuantizer.create({ format: 'int8' }), 'INVALID_PARAM', 'int8');
  });

  it('refuses empty, non-finite and malformed training sets', async () => {
    const q = () => registry().createQuantizer('sq', {});
    await expectReefError(() => q().fit(vectors(new Float32Array(0), 4)), 'EMPTY_DATA', 'empty');
    const nan = randomVectors(10, 4, 1);
    nan[13] = NaN;
    await expectReefError(() => q().fit(vectors(nan, 4)), 'NON_FINITE', 'NaN', 'vector 3', 'component 1');
    const inf = randomVectors(10, 4, 1);
    inf[0] = -Infinity;
    await expectReefError(() => q().fit(vectors(inf, 4)), 'NON_FINITE', '-Infinity');
    await expectReefError(() => q().fit({ data: new Float32Array(10), count: 3, dim: 4 }), 'DIMENSION_MISMATCH', '10', '3', '4');
  });

  it('refuses to work before training', () => {
    const q = registry().createQuantizer('sq', {});
    expectReefError(() => q.encode(vectors(new Float32Array(4), 4)), 'NOT_TRAINED', 'fit');
    expectReefError(() => q.decode(new Uint8Array(4)), 'NOT_TRAINED');
    expectReefError(() => q.save(), 'NOT_TRAINED');
    expectReefError(() => q.dim, 'NOT_TRAINED');
  });

  it('refuses vectors, queries and codes of the wrong size', async () => {
    const q = await trained({ format: '6bit' }, 7); // 6 bytes per code
    expectReefError(() => q.encode(vectors(new Float32Array(16), 8)), 'DIMENSION_MISMATCH', 'dimension 8', 'dimension 7');
    expectReefError(() => q.decode(new Uint8Array(13)), 'BAD_CODES', '13 bytes', '6-byte');
    expectReefError(() => q.search!.prepare(new Float32Array(8), 'l2'), 'DIMENSION_MISMATCH', '8', '7');
    const scan = q.search!.prepare(new Float32Array(7), 'ip');
    expectReefError(() => scan.distances(new Uint8Array(7)), 'BAD_CODES', '7 bytes');
    expectReefError(() => q.search!.prepare(new Float32Array(7), 'cosine' as 'l2'), 'INVALID_PARAM', 'cosine');
    const nanQuery = new Float32Array(7);
    nanQuery[2] = NaN;
    expectReefError(() => q.search!.prepare(nanQuery, 'l2'), 'NON_FINITE', 'NaN');
  });

  it('refuses corrupt saved models with the array or attribute named', async () => {
    const saved = (await trained({ format: '8bit' }, 7)).save();
    const r = registry();
    const withArrays = (arrays: SavedModel['arrays']): SavedModel => ({ ...saved, arrays });
    expectReefError(() => r.loadQuantizer(withArrays({ lower: saved.arrays.lower })), 'BAD_MODEL', "'upper'");
    expectReefError(
      () => r.loadQuantizer(withArrays({ ...saved.arrays, lower: { data: new Float32Array(3), shape: [3] } })),
      'BAD_MODEL',
      "'lower'",
      '7',
      '3',
    );
    const swapped = withArrays({ lower: saved.arrays.upper, upper: saved.arrays.lower });
    expectReefError(() => r.loadQuantizer(swapped), 'BAD_MODEL', 'lower ≤ upper');
    expectReefError(() => r.loadQuantizer({ ...saved, attributes: { dim: 'seven' } }), 'BAD_MODEL', "'dim'");
    expectReefError(() => sqQuantizer.load({ ...saved, pluginId: 'pq' }), 'BAD_MODEL', 'pq');
    expectReefError(() => r.loadQuantizer({ ...saved, params: { ...saved.params, format: '2bit' } }), 'INVALID_PARAM', '2bit');
  });
});
