import { ReefError } from '@reef/core';
import { nearestCentroids, squaredNorms, type NearestResult } from './distances.js';
import { Rng } from './rng.js';

export interface KMeansOptions {
  /** Lloyd iterations (FAISS default 25). */
  readonly niter?: number;
  /** Seed of every random choice (FAISS default 1234). */
  readonly seed?: number;
  /** 'random' picks k distinct training points (FAISS's default); 'kmeans++' spreads them by D² sampling. */
  readonly init?: 'random' | 'kmeans++';
  /** Training set subsampled to at most k × this many points (FAISS default 256). */
  readonly maxPointsPerCentroid?: number;
  /** Below k × this many points a warning is emitted (FAISS's 39). */
  readonly minPointsPerCentroid?: number;
  /**
   * Starting centroids (k × d), copied, instead of a random or k-means++ pick; used to warm-start
   * from a previous solution (e.g. OPQ's alternating rounds, as FAISS does).
   */
  readonly initialCentroids?: Float32Array;
  /** Receives warnings such as too few points per centroid. */
  readonly onWarning?: (message: string) => void;
  /** Called after each iteration with its index and objective. */
  readonly onIteration?: (iteration: number, objective: number) => void;
  /**
   * Replaces the assignment step (e.g. a multi-threaded or WASM implementation); must return
   * the nearest centroid and its squared distance for every point.
   */
  readonly assign?: (x: Float32Array, n: number, d: number, centroids: Float32Array, k: number) => NearestResult | Promise<NearestResult>;
}

export interface KMeansResult {
  readonly centroids: Float32Array;
  /** Sum of squared distances to the nearest centroid at the last assignment, per iteration. */
  readonly objectives: number[];
  /** Number of points actually used (after subsampling). */
  readonly trainedOn: number;
}

/** Splitting empty clusters perturbs a copied centroid by this relative amount (FAISS's EPS). */
const SPLIT_EPS = 1 / 1024;

/**
 * k-means with FAISS's defaults and its empty-cluster handling: an empty cluster takes a copy of a
 * large cluster's centroid, both nudged apart, the big one chosen with probability proportional to
 * its size. Deterministic for a given seed.
 */
export async function kmeans(x: Float32Array, n: number, d: number, k: number, options: KMeansOptions = {}): Promise<KMeansResult> {
  const niter = options.niter ?? 25;
  const rng = new Rng(options.seed ?? 1234);
  const maxPer = options.maxPointsPerCentroid ?? 256;
  const minPer = options.minPointsPerCentroid ?? 39;
  if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `k-means needs k ≥ 1 centroids, got ${k}`);
  if (n < k) {
    throw new ReefError('TOO_FEW_POINTS', `k-means with k=${k} centroids needs at least ${k} training points, got ${n}`);
  }
  if (n < k * minPer) {
    options.onWarning?.(`k-means: ${n} training points for ${k} centroids is under ${minPer} per centroid; centroids may be poorly trained`);
  }

  let data = x;
  let m = n;
  if (n > k * maxPer) {
    // Subsample as FAISS does: a random subset of k × maxPer points.
    m = k * maxPer;
    const pick = rng.sample(n, m);
    data = new Float32Array(m * d);
    for (let i = 0; i < m; i++) data.set(x.subarray(pick[i] * d, pick[i] * d + d), i * d);
  }

  let centroids: Float32Array;
  if (options.initialCentroids) {
    if (options.initialCentroids.length !== k * d) {
      throw new ReefError('INVALID_PARAM', `k-means initial centroids should hold k × d = ${k * d} values, got ${options.initialCentroids.length}`);
    }
    centroids = options.initialCentroids.slice();
  } else {
    centroids = options.init === 'kmeans++' ? kmeansPlusPlus(data, m, d, k, rng) : randomInit(data, m, d, k, rng);
  }
  const assign = options.assign ?? ((px, pn, pd, c, ck) => nearestCentroids(px, pn, pd, c, ck));
  const objectives: number[] = [];
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);

  for (let it = 0; it < niter; it++) {
    const { labels, distances } = await assign(data, m, d, centroids, k);
    let objective = 0;
    for (let i = 0; i < m; i++) objective += distances[i];
    objectives.push(objective);
    options.onIteration?.(it, objective);

    counts.fill(0);
    sums.fill(0);
    for (let i = 0; i < m; i++) {
      const c = labels[i];
      counts[c]++;
      const so = c * d;
      const xo = i * d;
      for (let j = 0; j < d; j++) sums[so + j] += data[xo + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      const inv = 1 / counts[c];
      for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j] * inv;
    }
    splitEmptyClusters(centroids, counts, m, d, k, rng);
  }
  return { centroids, objectives, trainedOn: m };
}

function randomInit(x: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const pick = rng.sample(n, k);
  const c = new Float32Array(k * d);
  for (let i = 0; i < k; i++) c.set(x.subarray(pick[i] * d, pick[i] * d + d), i * d);
  return c;
}

/** k-means++: each next centroid drawn with probability proportional to its squared distance to the nearest chosen one. */
function kmeansPlusPlus(x: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const c = new Float32Array(k * d);
  const first = rng.int(n);
  c.set(x.subarray(first * d, first * d + d), 0);
  const best = new Float64Array(n).fill(Infinity);
  for (let ci = 1; ci <= k; ci++) {
    const prev = c.subarray((ci - 1) * d, ci * d);
    const prevNorm = squaredNorms(prev, 1, d);
    const { distances } = nearestCentroids(x, n, d, prev, 1, prevNorm);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (distances[i] < best[i]) best[i] = distances[i];
      total += best[i];
    }
    if (ci === k) break;
    let r = rng.float() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      r -= best[i];
      if (r < 0) {
        chosen = i;
        break;
      }
    }
    if (total === 0) chosen = rng.int(n); // all points coincide with centroids: any pick will do
    c.set(x.subarray(chosen * d, chosen * d + d), ci * d);
  }
  return c;
}

function splitEmptyClusters(centroids: Float32Array, counts: Float64Array, n: number, d: number, k: number, rng: Rng): void {
  if (n <= k) return;
  for (let ci = 0; ci < k; ci++) {
    if (counts[ci] !== 0) continue;
    let cj = 0;
    for (;;) {
      const p = (counts[cj] - 1) / (n - k);
      if (rng.float() < p) break;
      cj = (cj + 1) % k;
    }
    const co = ci * d;
    const jo = cj * d;
    for (let j = 0; j < d; j++) {
      const v = centroids[jo + j];
      if (j % 2 === 0) {
        centroids[co + j] = v * (1 + SPLIT_EPS);
        centroids[jo + j] = v * (1 - SPLIT_EPS);
      } else {
        centroids[co + j] = v * (1 - SPLIT_EPS);
        centroids[jo + j] = v * (1 + SPLIT_EPS);
      }
    }
    counts[ci] = Math.floor(counts[cj] / 2);
    counts[cj] -= counts[ci];
  }
}
