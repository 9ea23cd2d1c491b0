import { Registry, type Vectors } from '@reef/core';
import { beforeAll, describe, expect, it } from 'vitest';
import plugin, { rqPlugin, type ResidualQuantizer } from '../src/index.js';
import { blobs, mse } from './data.js';

const DIM = 16;
const train = blobs(600, DIM);
const queries = blobs(5, DIM, 99);

async function trained(params: Record<string, number>, data: Vectors = train, seed = 5): Promise<ResidualQuantizer> {
  const q = rqPlugin.create(params) as ResidualQuantizer;
  await q.fit(data, { seed });
  return q;
}

describe('RQ on clustered data', () => {
  let q: ResidualQuantizer;
  beforeAll(async () => {
    q = await trained({ stages: 3, nbits: 5, beam: 4, refine: 2, niter: 10 });
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
    for (const stages of [1, 2, 3]) {
      const s = await trained({ stages, nbits: 5, beam: 4, refine: 0, niter: 10 });
      errors.push(mse(s.decode(s.encode(train)), train.data, DIM));
    }
    expect(errors[1]).toBeLessThan(errors[0] * 0.9);
    expect(errors[2]).toBeLessThan(errors[1] * 0.9);
  });

  it('never ends refinement with a higher training error than it started with', async () => {
    const plain = await trained({ stages: 3, nbits: 5, beam: 4, refine: 0, niter: 10 });
    const before = mse(plain.decode(plain.encode(train)), train.data, DIM);
    const after = mse(q.decode(q.encode(train)), train.data, DIM);
    expect(after).toBeLessThanOrEqual(before);
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
