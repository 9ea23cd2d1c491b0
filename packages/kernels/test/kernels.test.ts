import { describe, expect, it } from 'vitest';
import {
  Rng,
  exactKnn,
  kmeans,
  l2sqr,
  nearestCentroids,
  procrustes,
  randomOrthogonal,
  recallAtK,
  topK,
  multiply,
} from '../src/index.js';

function gaussian(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal());
}

describe('Rng', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const a = new Rng(5), b = new Rng(5), c = new Rng(6);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('draws normals with mean ≈ 0 and variance ≈ 1, and valid samples', () => {
    const rng = new Rng(1);
    let s = 0, s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    const pick = rng.sample(100, 30);
    expect(new Set(pick).size).toBe(30);
    expect(Math.max(...pick)).toBeLessThan(100);
  });
});

describe('nearestCentroids', () => {
  it('agrees with brute force', () => {
    const d = 13, n = 300, k = 37;
    const x = gaussian(n, d, 2);
    const c = gaussian(k, d, 3);
    const { labels, distances } = nearestCentroids(x, n, d, c, k);
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let j = 0; j < k; j++) best = Math.min(best, l2sqr(x, i * d, c, j * d, d));
      expect(distances[i]).toBeCloseTo(best, 4);
      expect(l2sqr(x, i * d, c, labels[i] * d, d)).toBeCloseTo(best, 4);
    }
  });
});

describe('kmeans', () => {
  it('recovers well-separated clusters and lowers the objective', async () => {
    const d = 4, k = 5, per = 200;
    const rng = new Rng(9);
    const x = new Float32Array(k * per * d);
    for (let c = 0; c < k; c++) for (let i = 0; i < per; i++) for (let j = 0; j < d; j++) x[(c * per + i) * d + j] = c * 20 + rng.normal() * 0.5;
    const res = await kmeans(x, k * per, d, k, { seed: 1, init: 'kmeans++' });
    const firstCoords = Array.from({ length: k }, (_, c) => res.centroids[c * d]).sort((a, b) => a - b);
    firstCoords.forEach((v, c) => expect(Math.abs(v - c * 20)).toBeLessThan(0.5));
    expect(res.objectives.at(-1)!).toBeLessThanOrEqual(res.objectives[0]);
    expect(res.objectives.length).toBe(25);
  });

  it('is deterministic under a seed, and subsamples to 256 points per centroid', async () => {
    const x = gaussian(3000, 6, 4);
    const a = await kmeans(x, 3000, 6, 4, { seed: 3 });
    const b = await kmeans(x, 3000, 6, 4, { seed: 3 });
    expect([...a.centroids]).toEqual([...b.centroids]);
    expect(a.trainedOn).toBe(1024);
    const c = await kmeans(x, 3000, 6, 4, { seed: 4 });
    expect([...c.centroids]).not.toEqual([...a.centroids]);
  });

  it('splits empty clusters so every centroid ends up used', async () => {
    // Many duplicate points make empty clusters likely with random init.
    const x = new Float32Array(400 * 2);
    for (let i = 0; i < 400; i++) {
      x[i * 2] = i % 4;
      x[i * 2 + 1] = 0;
    }
    const res = await kmeans(x, 400, 2, 8, { seed: 1 });
    const { labels } = nearestCentroids(x, 400, 2, res.centroids, 8);
    expect(new Set(labels).size).toBe(4); // 4 distinct points: at most 4 clusters can be non-empty
    expect(res.centroids.every(Number.isFinite)).toBe(true);
  });

  it('warns under 39 points per centroid and refuses fewer points than centroids', async () => {
    const warnings: string[] = [];
    await kmeans(gaussian(100, 3, 1), 100, 3, 10, { onWarning: (w) => warnings.push(w), niter: 2 });
    expect(warnings[0]).toContain('100 training points for 10 centroids');
    await expect(kmeans(gaussian(5, 3, 1), 5, 3, 10)).rejects.toThrow('needs at least 10 training points, got 5');
  });
});

describe('topK and exact search', () => {
  it('matches a full sort, ascending and descending, with ties by index', () => {
    const rng = new Rng(2);
    const scores = Float32Array.from({ length: 500 }, () => Math.round(rng.float() * 50));
    const order = [...scores.keys()].sort((a, b) => scores[a] - scores[b] || a - b);
    expect([...topK(scores, 20, true).ids]).toEqual(order.slice(0, 20));
    const desc = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b);
    expect([...topK(scores, 20, false).ids]).toEqual(desc.slice(0, 20));
    const few = topK(scores.subarray(0, 3), 5);
    expect([...few.ids.subarray(3)]).toEqual([-1, -1]);
  });

  it('finds each base vector as its own nearest neighbour; recall of truth against itself is 1', () => {
    const base = gaussian(200, 8, 5);
    const nn = exactKnn(base, 200, base, 200, 8, 3);
    for (let q = 0; q < 200; q++) expect(nn.ids[q * 3]).toBe(q);
    expect(recallAtK(nn.ids, 3, nn.ids, 3, 200, 3)).toBe(1);
    const shifted = Int32Array.from(nn.ids, (v) => v + 1000);
    expect(recallAtK(shifted, 3, nn.ids, 3, 200, 3)).toBe(0);
  });
});

describe('linear algebra', () => {
  it('makes orthogonal matrices and solves Procrustes', () => {
    const d = 6;
    const r = randomOrthogonal(d, new Rng(3));
    const rtr = multiply(transpose(r, d), d, d, r, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(rtr[i * d + j]).toBeCloseTo(i === j ? 1 : 0, 5);
    const x = gaussian(100, d, 6);
    const y = multiply(x, 100, d, r, d);
    const found = procrustes(x, y, 100, d, d);
    for (let i = 0; i < d * d; i++) expect(found[i]).toBeCloseTo(r[i], 4);
  });
});

describe('randomOrthogonal', () => {
  it('is the Q of the seeded Gaussian matrix with R upper triangular and positive on the diagonal (Haar)', () => {
    const d = 120;
    const q = randomOrthogonal(d, new Rng(11));
    // The same Gaussian matrix, generated as randomOrthogonal does (column by column).
    const rng = new Rng(11);
    const g = new Float32Array(d * d);
    for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) g[i * d + k] = rng.normal();
    const qtq = multiply(transpose(q, d), d, d, q, d);
    let offOrtho = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) offOrtho = Math.max(offOrtho, Math.abs(qtq[i * d + j] - (i === j ? 1 : 0)));
    expect(offOrtho).toBeLessThan(1e-5);
    const r = multiply(transpose(q, d), d, d, g, d); // R = Qᵀ G
    let below = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) below = Math.max(below, Math.abs(r[i * d + j]));
    expect(below).toBeLessThan(1e-3);
    for (let i = 0; i < d; i++) expect(r[i * d + i]).toBeGreaterThan(0);
  });
});

function transpose(m: Float32Array, d: number): Float32Array {
  const t = new Float32Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = m[i * d + j];
  return t;
}
