import { Registry, resolveParams, type Vectors } from '@reef/core';
import { kmeans, nearestCentroids } from '@reef/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import plugin, { RQ_PARAMS, rqConfig, rqPlugin, type ResidualQuantizer } from '../src/index.js';
import { progressiveDims, progressiveKmeans } from '../src/progressive-kmeans.js';
import { trainCodebooks } from '../src/train.js';
import { blobs } from './data.js';

const DIM = 16;
const train = blobs(600, DIM);
const queries = blobs(5, DIM, 99);

async function trained(params: Record<string, number | string>, data: Vectors = train, seed = 5): Promise<ResidualQuantizer> {
  const q = rqPlugin.create(params) as ResidualQuantizer;
  await q.fit(data, { seed });
  return q;
}

describe('RQ on clustered data', () => {
  let q: ResidualQuantizer;
  /** Same parameters as q without refinement, shared by the tests that compare with it. */
  let unrefined: ResidualQuantizer;
  beforeAll(async () => {
    q = await trained({ stages: 3, nbits: 5, beam: 4, refine: 2, niter: 10 });
    unrefined = await trained({ stages: 3, nbits: 5, beam: 4, refine: 0, niter: 10 });
  });

  it('packs 3 stages × 5 bits into 2 bytes per vector and decodes to the input dimension', () => {
    expect(q.codeSize).toBe(2);
    const codes = q.encode(train);
    expect(codes.length).toBe(train.count * 2);
    expect(q.decode(codes).length).toBe(train.count * DIM);
    expect(q.modelBytes()).toBe(3 * 32 * DIM * 4);
  });

  it('reconstructs better with every added stage', async () => {
    const errors: number[] = [];
    for (const stages of [1, 2]) {
      const s = await trained({ stages, nbits: 5, beam: 4, refine: 0, niter: 10 });
      errors.push(meanSquaredError(train, s.decode(s.encode(train))));
    }
    errors.push(meanSquaredError(train, unrefined.decode(unrefined.encode(train))));
    expect(errors[1]).toBeLessThan(errors[0] * 0.9);
    expect(errors[2]).toBeLessThan(errors[1] * 0.9);
  });

  it('never ends refinement judged on the training set with a higher training error than it started with', async () => {
    const refined = await trained({ stages: 3, nbits: 5, beam: 4, refine: 2, niter: 10, refineCheck: 'train' });
    const before = meanSquaredError(train, unrefined.decode(unrefined.encode(train)));
    const after = meanSquaredError(train, refined.decode(refined.encode(train)));
    expect(after).toBeLessThan(before);
  });

  it('gives asymmetric distances equal to those to the decoded vectors, for l2 and ip', () => {
    const codes = q.encode(train);
    const decoded = q.decode(codes);
    for (let qi = 0; qi < queries.count; qi++) {
      const query = queries.data.subarray(qi * DIM, (qi + 1) * DIM);
      const l2 = q.search!.prepare(query, 'l2').distances(codes);
      const ip = q.search!.prepare(query, 'ip').distances(codes);
      for (let i = 0; i < train.count; i++) {
        let d = 0;
        let p = 0;
        for (let t = 0; t < DIM; t++) {
          d += (query[t] - decoded[i * DIM + t]) ** 2;
          p += query[t] * decoded[i * DIM + t];
        }
        expect(l2[i]).toBeCloseTo(d, 2);
        expect(ip[i]).toBeCloseTo(p, 2);
      }
    }
    expect(q.search!.exactOnDecoded).toBe(true);
  });

  it('keeps l2 distances exact when the scanned codes change in place between queries', () => {
    const codes = q.encode({ data: train.data.subarray(0, 50 * DIM), count: 50, dim: DIM });
    const query = queries.data.subarray(0, DIM);
    const exact = (c: Uint8Array): number[] => {
      const decoded = q.decode(c);
      return Array.from({ length: 50 }, (_, i) => {
        let d = 0;
        for (let t = 0; t < DIM; t++) d += (query[t] - decoded[i * DIM + t]) ** 2;
        return d;
      });
    };
    const first = q.search!.prepare(query, 'l2').distances(codes);
    first.forEach((d, i) => expect(d).toBeCloseTo(exact(codes)[i], 2));
    codes.set(codes.subarray(0, 2), 2 * 10); // code 10 becomes a copy of code 0
    const second = q.search!.prepare(query, 'l2').distances(codes);
    expect(second[10]).toBeCloseTo(exact(codes)[10], 2);
    expect(second[10]).toBeCloseTo(first[0], 2);
  });

  it('is deterministic for a seed and survives save/load', async () => {
    const again = await trained({ stages: 3, nbits: 5, beam: 4, refine: 2, niter: 10 });
    expect(again.codebooks).toEqual(q.codebooks);
    const loaded = rqPlugin.load(q.save());
    const codes = q.encode(train);
    expect(loaded.encode(train)).toEqual(codes);
    expect(loaded.decode(codes)).toEqual(q.decode(codes));
  });

  it('writes zero padding bits and refuses codes whose padding is set', () => {
    const codes = q.encode({ data: train.data.subarray(0, DIM), count: 1, dim: DIM });
    expect(codes[1] >> 7).toBe(0); // 15 of 16 bits used
    const corrupt = codes.slice();
    corrupt[1] |= 0x80;
    expect(() => q.decode(corrupt)).toThrow(/padding/);
    expect(() => q.search!.prepare(train.data.subarray(0, DIM), 'l2').distances(corrupt)).toThrow(/padding/);
  });
});

describe('RQ plugin', () => {
  it('registers through the host, not at import time', () => {
    const registry = new Registry();
    expect(registry.quantizers().map((p) => p.id)).not.toContain('rq');
    registry.use(plugin);
    expect(registry.quantizers().map((p) => p.id)).toContain('rq');
  });

});

describe('RQ beam search', () => {
  it('finds the best code of all when the beam keeps every first-stage choice', async () => {
    // 2 stages × 3 bits: a beam of 8 keeps all 8 first-stage codewords, so the search is exhaustive.
    const q = await trained({ stages: 2, nbits: 3, beam: 8, refine: 0, niter: 5 });
    const greedy = rqPlugin.load({ ...q.save(), params: { ...q.params, beam: 1 } });
    const books = q.codebooks;
    const sample = { data: train.data.subarray(0, 100 * DIM), count: 100, dim: DIM };
    const beamDecoded = q.decode(q.encode(sample));
    const greedyDecoded = greedy.decode(greedy.encode(sample));
    let greedyWorse = 0;
    for (let i = 0; i < sample.count; i++) {
      let best = Infinity;
      for (let a = 0; a < 8; a++) {
        for (let b = 0; b < 8; b++) {
          let e = 0;
          for (let t = 0; t < DIM; t++) e += (sample.data[i * DIM + t] - books[a * DIM + t] - books[(8 + b) * DIM + t]) ** 2;
          best = Math.min(best, e);
        }
      }
      const row = (v: Float32Array): number => {
        let e = 0;
        for (let t = 0; t < DIM; t++) e += (sample.data[i * DIM + t] - v[i * DIM + t]) ** 2;
        return e;
      };
      expect(row(beamDecoded)).toBeCloseTo(best, 3);
      if (row(greedyDecoded) > best * (1 + 1e-6)) greedyWorse++;
    }
    expect(greedyWorse).toBeGreaterThan(0);
  });
});

describe('RQ refinement judged on held-out vectors (the default)', () => {
  // 64 codewords per stage for 400 vectors: a refit fitted to the training set memorises it.
  const small = blobs(400, DIM, 21);
  const fresh = blobs(2000, DIM, 21).data.subarray(400 * DIM);
  const config = { stages: 3, nbits: 6, beam: 4, refine: 3, niter: 10 } as const;

  it('keeps only rounds that lower the held-out error', async () => {
    const { validation } = await trainCodebooks(small.data, small.count, DIM, rqConfig(resolveParams('rq', RQ_PARAMS, config)), 5);
    expect(validation.length).toBeGreaterThanOrEqual(1);
    expect(validation.length).toBeLessThanOrEqual(config.refine + 1);
    for (let r = 1; r < validation.length; r++) expect(validation[r]).toBeLessThan(validation[r - 1]);
  });

  it('does not memorise a small training set as the refinement judged on it does', async () => {
    const freshVectors = { data: fresh, count: fresh.length / DIM, dim: DIM };
    const error = (m: ResidualQuantizer, v: Vectors): number => meanSquaredError(v, m.decode(m.encode(v)));
    const none = await trained({ ...config, refine: 0 }, small);
    const held = await trained(config, small);
    const memorised = await trained({ ...config, refineCheck: 'train' }, small);
    // Judged on the training set, refinement lowers the training error but raises the error of new vectors.
    expect(error(memorised, small)).toBeLessThan(error(none, small));
    expect(error(memorised, freshVectors)).toBeGreaterThan(error(none, freshVectors));
    // Judged on held-out vectors, it does not.
    expect(error(held, freshVectors)).toBeLessThan(error(memorised, freshVectors));
    expect(error(held, freshVectors)).toBeLessThanOrEqual(error(none, freshVectors));
  });
});

describe('progressive-dimension k-means', () => {
  it("grows the dimension as FAISS's ProgressiveDimClustering: floor(d^(i/10)), repeats dropped", () => {
    expect(progressiveDims(784, 10)).toEqual([1, 3, 7, 14, 28, 54, 106, 206, 402, 784]);
    expect(progressiveDims(4, 10)).toEqual([1, 2, 3, 4]);
    expect(progressiveDims(1, 10)).toEqual([1]);
  });

  it('ends with full-dimensional centroids that fit the data at least as well as plain k-means', async () => {
    const plain = await kmeans(train.data, train.count, DIM, 16, { niter: 10, seed: 3 });
    const progressive = await progressiveKmeans(train.data, train.count, DIM, 16, { niter: 10, seed: 3 });
    const objective = (c: Float32Array): number => {
      const { distances } = nearestCentroids(train.data, train.count, DIM, c, 16);
      return distances.reduce((a, b) => a + b, 0);
    };
    expect(progressive.length).toBe(16 * DIM);
    expect(objective(progressive)).toBeLessThanOrEqual(objective(plain.centroids) * 1.02);
  });
});
