import { Registry, isReefError, vectors, type Vectors } from '@reef/core';
import { Rng, dot, l2sqr } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { seededVectors } from '@reef/testkit';
import plugin, { FACTOR_BYTES, RaBitQuantizer, quantizeDirection, searchWithReranking } from '../src/index.js';

const gaussian = (count: number, dim: number, seed: number, shift = 0): Vectors => seededVectors(count, dim, { seed, shift });

/** Signed errors (estimate − true squared distance), their bounds and the true distances, over all query × base pairs. */
function errors(q: RaBitQuantizer, base: Vectors, queries: Vectors, codes: Uint8Array) {
  const d = base.dim;
  const err: number[] = [];
  const bound: number[] = [];
  const truth: number[] = [];
  for (let i = 0; i < queries.count; i++) {
    const query = queries.data.subarray(i * d, (i + 1) * d);
    const { estimates, bounds } = q.prepare(query, 'l2').estimate(codes);
    for (let j = 0; j < base.count; j++) {
      const t = l2sqr(query, 0, base.data, j * d, d);
      err.push(estimates[j] - t);
      bound.push(bounds[j]);
      truth.push(t);
    }
  }
  return { err, bound, truth };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('RaBitQ estimator on Gaussian data', () => {
  const base = gaussian(600, 48, 1, 0.5);
  const queries = gaussian(20, 48, 2, 0.5);

  it('is unbiased: the mean error over rotations is within 3 standard errors of zero', async () => {
    // Unbiasedness is over the random rotation, so average the error of fixed pairs over many seeds.
    const pairs = { base: vectors(base.data.slice(0, 40 * 48), 48), queries: vectors(queries.data.slice(0, 5 * 48), 48) };
    for (const bits of [1, 4]) {
      const perSeed: number[] = [];
      let truthMean = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const q = new RaBitQuantizer({ bits, epsilon: 1.9 });
        await q.fit(base, { seed });
        const { err, truth } = errors(q, pairs.base, pairs.queries, q.encode(pairs.base));
        perSeed.push(mean(err));
        truthMean = mean(truth);
      }
      const m = mean(perSeed);
      const se = Math.sqrt(mean(perSeed.map((v) => (v - m) ** 2)) / perSeed.length);
      console.log(`${bits}-bit: mean error ${m.toFixed(4)} ± ${se.toFixed(4)} (s.e.) on mean squared distance ${truthMean.toFixed(2)}`);
      expect(Math.abs(m)).toBeLessThan(3 * se + 1e-3 * truthMean);
      expect(Math.abs(m)).toBeLessThan(0.01 * truthMean);
    }
  }, 60_000);

  it('holds most errors inside the bound, and more bits give smaller errors', async () => {
    const rms: number[] = [];
    for (const bits of [1, 2, 4, 8]) {
      const q = new RaBitQuantizer({ bits, epsilon: 1.9 });
      await q.fit(base, { seed: 3 });
      const { err, bound } = errors(q, base, queries, q.encode(base));
      const inside = err.filter((e, i) => Math.abs(e) <= bound[i]).length / err.length;
      rms.push(Math.sqrt(mean(err.map((e) => e * e))));
      // The error is about normal with deviation ≈ bound/ε₀, so ε₀ = 1.9 covers ≈ 94% or more of pairs.
      expect(inside, `${bits} bits: ${inside} of the errors within the bound`).toBeGreaterThan(0.9);
    }
    console.log(`RMS error of squared distance for 1, 2, 4, 8 bits: ${rms.map((r) => r.toFixed(3)).join(', ')}`);
    for (let i = 1; i < rms.length; i++) expect(rms[i]).toBeLessThan(rms[i - 1]);
  });

  it('counts the correction factors in the code size', async () => {
    for (const [bits, dim] of [[1, 48], [3, 21], [8, 5]]) {
      const q = new RaBitQuantizer({ bits, epsilon: 1.9 });
      await q.fit(gaussian(50, dim, 4), { seed: 1 });
      expect(q.codeSize).toBe(Math.ceil((bits * dim) / 8) + FACTOR_BYTES);
    }
  });

  it('extended RaBitQ finds grid directions closer to the input than sign codes', () => {
    const rng = new Rng(9);
    const o = Float64Array.from({ length: 64 }, () => rng.normal());
    const n = Math.hypot(...o);
    for (let i = 0; i < o.length; i++) o[i] /= n;
    const values = new Uint32Array(64);
    const cos = [1, 2, 3, 4, 8].map((bits) => quantizeDirection(o, bits, values).ip);
    // Sign codes of a Gaussian direction have cosine ≈ √(2/π) ≈ 0.80; each extra bit gets closer to 1.
    expect(cos[0]).toBeGreaterThan(0.7);
    expect(cos[0]).toBeLessThan(0.9);
    for (let i = 1; i < cos.length; i++) expect(cos[i]).toBeGreaterThan(cos[i - 1]);
    expect(cos[4]).toBeGreaterThan(0.999);
  });
});

describe('re-ranking', () => {
  const base = gaussian(1500, 32, 5);
  const queries = gaussian(10, 32, 6);

  it('returns the exact top 10 with the bound rule, computing far fewer exact distances than the base size', async () => {
    const q = new RaBitQuantizer({ bits: 1, epsilon: 1.9 });
    await q.fit(base, { seed: 2 });
    const codes = q.encode(base);
    let exactTotal = 0;
    let hits = 0;
    for (let i = 0; i < queries.count; i++) {
      const query = queries.data.subarray(i * 32, (i + 1) * 32);
      const truth = Array.from({ length: base.count }, (_, j) => [l2sqr(query, 0, base.data, j * 32, 32), j] as const)
        .sort((a, b) => a[0] - b[0])
        .slice(0, 10)
        .map(([, j]) => j);
      const bound = searchWithReranking(q, codes, query, { k: 10, vectors: base.data, rerank: 'bound' });
      const exact = searchWithReranking(q, codes, query, { k: 10, vectors: base.data, rerank: 'exact', candidates: 200 });
      const none = searchWithReranking(q, codes, query, { k: 10 });
      expect(none.exactComputed).toBe(0);
      expect(exact.exactComputed).toBe(200);
      hits += [...bound.ids].filter((id) => truth.includes(id)).length;
      exactTotal += bound.exactComputed;
      // Re-ranked scores are exact distances, best first.
      for (let r = 0; r < 10; r++) expect(bound.scores[r]).toBeCloseTo(l2sqr(query, 0, base.data, bound.ids[r] * 32, 32), 2);
    }
    expect(hits / (10 * queries.count)).toBeGreaterThanOrEqual(0.98);
    expect(exactTotal / queries.count).toBeLessThan(base.count / 3);
  });

  it('re-ranks by inner product too (larger is better)', async () => {
    const q = new RaBitQuantizer({ bits: 2, epsilon: 1.9 });
    await q.fit(base, { seed: 2 });
    const codes = q.encode(base);
    const query = queries.data.subarray(0, 32);
    const truth = Array.from({ length: base.count }, (_, j) => [dot(query, 0, base.data, j * 32, 32), j] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 10)
      .map(([, j]) => j);
    const r = searchWithReranking(q, codes, query, { k: 10, metric: 'ip', vectors: base.data });
    expect([...r.ids].filter((id) => truth.includes(id)).length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < 10; i++) expect(r.scores[i]).toBeLessThanOrEqual(r.scores[i - 1]);
    expect(r.exactComputed).toBeLessThan(base.count / 3);
  });

  it('refuses re-ranking without matching vectors', async () => {
    const q = new RaBitQuantizer({ bits: 2, epsilon: 1.9 });
    await q.fit(base, { seed: 2 });
    const codes = q.encode(base);
    const query = queries.data.subarray(0, 32);
    expect(() => searchWithReranking(q, codes, query, { k: 10, rerank: 'exact' })).toThrow(/needs the 1500 original vectors/);
    expect(() => searchWithReranking(q, codes, query, { k: 0 })).toThrow(/k must be a positive integer, got 0/);
  });
});

describe('bad input', () => {
  it('refuses bad parameters, tiny dimensions and corrupt codes by name', async () => {
    const registry = new Registry();
    registry.use(plugin);
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isReefError(err) ? `${err.code}: ${err.message}` : String(err);
      }
      return 'no error';
    };
    expect(message(() => registry.createQuantizer('rabitq', { bits: 9 }, 16))).toMatch(/INVALID_PARAM.*bits.*9/);
    expect(message(() => registry.createQuantizer('rabitq', { bits: 0 }, 16))).toMatch(/INVALID_PARAM.*bits.*0/);
    expect(message(() => registry.createQuantizer('rabitq', { epsilon: -1 }, 16))).toMatch(/INVALID_PARAM.*epsilon.*-1/);
    expect(message(() => registry.createQuantizer('rabitq', {}, 1))).toMatch(/dimension ≥ 2, got 1/);
    await expect(new RaBitQuantizer({ bits: 1, epsilon: 1.9 }).fit(gaussian(10, 1, 1))).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });

    const q = registry.createQuantizer('rabitq', { bits: 2 }, 16) as RaBitQuantizer;
    const data = gaussian(100, 16, 7);
    await q.fit(data, { seed: 1 });
    const codes = q.encode(data);
    const corrupt = codes.slice();
    new DataView(corrupt.buffer).setFloat32(3 * q.codeSize + q.codeSize - 4, NaN, true); // ip of code 3
    expect(message(() => q.decode(corrupt))).toMatch(/BAD_CODES: RaBitQ code 3 is corrupt.*ip=NaN/);
    expect(message(() => q.prepare(data.data.subarray(0, 16)).distances(corrupt))).toMatch(/BAD_CODES.*code 3/);
    const negative = codes.slice();
    new DataView(negative.buffer).setFloat32(q.codeSize - FACTOR_BYTES, -2, true); // norm of code 0
    expect(message(() => q.decode(negative))).toMatch(/BAD_CODES.*code 0.*norm=-2/);
    expect(message(() => q.prepare(new Float32Array(15)))).toMatch(/DIMENSION_MISMATCH.*15.*16/);

    const saved = q.save();
    expect(message(() => registry.loadQuantizer({ ...saved, arrays: { centroid: saved.arrays.centroid } }))).toMatch(/BAD_MODEL.*rotation/);
  });

  it('trains on a single vector (it learns only the mean) and refuses an empty set', async () => {
    const q = new RaBitQuantizer({ bits: 2, epsilon: 1.9 });
    await expect(q.fit(vectors(new Float32Array(0), 16))).rejects.toMatchObject({ code: 'EMPTY_DATA' });
    await q.fit(gaussian(1, 16, 9), { seed: 1 });
    const data = gaussian(20, 16, 10);
    expect(q.decode(q.encode(data)).every(Number.isFinite)).toBe(true);
  });

  it('codes the centroid itself with zero norm and decodes it exactly', async () => {
    const data = gaussian(50, 8, 8);
    const q = new RaBitQuantizer({ bits: 4, epsilon: 1.9 });
    await q.fit(data, { seed: 1 });
    const centroid = q.decode(q.encode(vectors(new Float32Array(q.save().arrays.centroid.data as Float32Array), 8)));
    expect([...centroid]).toEqual([...(q.save().arrays.centroid.data as Float32Array)]);
  });
});

describe('RaBitQ scan over a code array', () => {
  it('reads each code’s factors at its own offset, also when the array starts inside a larger buffer', async () => {
    const q = new RaBitQuantizer({ bits: 1, epsilon: 1.9 });
    const data = gaussian(60, 16, 3);
    await q.fit(data, { seed: 2 });
    const codes = q.encode(data);
    const query = gaussian(1, 16, 4).data;
    const inPlace = q.prepare(query, 'l2').estimate(codes);
    const buffer = new Uint8Array(codes.length + 5);
    buffer.set(codes, 5); // an odd byte offset: factors are no longer 4-byte aligned
    const shifted = q.prepare(query, 'l2').estimate(buffer.subarray(5));
    expect(shifted.estimates).toEqual(inPlace.estimates);
    expect(shifted.bounds).toEqual(inPlace.bounds);
    // Each code's score is its own: the same code alone gives the same value (both scans).
    const all = q.prepare(query, 'l2').distances(codes);
    expect(q.prepare(query, 'l2').distances(buffer.subarray(5))).toEqual(all);
    for (const i of [0, 17, 59]) {
      const code = codes.slice(i * q.codeSize, (i + 1) * q.codeSize);
      expect(q.prepare(query, 'l2').distances(code)[0]).toBe(all[i]);
      expect(q.prepare(query, 'l2').estimate(code).estimates[0]).toBe(inPlace.estimates[i]);
    }
  });
});
