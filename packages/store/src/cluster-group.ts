import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import type { Tensor } from '@reef/core';
import { toFloat64 } from '@reef/codecs';

/**
 * Grouping of same-dtype, same-shape tensors into clusters, on a fixed sample of element positions
 * (the same positions for every tensor of a group, so distances compare like with like). Pure
 * functions: no repository access.
 */

/** Elements sampled per tensor: distances between weight tensors settle well before this. */
export const SAMPLE_ELEMENTS = 4096;
/** Agglomerative clustering is cubic; larger groups are split by k-means first. */
const MAX_AGGLOMERATE = 256;

/** Values at evenly spaced positions (non-finite values read as 0, so NaNs cannot poison distances). */
export function sampleVector(t: Tensor, size = SAMPLE_ELEMENTS): Float64Array {
  const n = elementCount(t.shape);
  const m = Math.min(n, size);
  const stride = Math.max(1, Math.floor(n / Math.max(1, m)));
  const w = DTYPE_BYTES[t.dtype];
  const bytes = new Uint8Array(m * w);
  for (let k = 0; k < m; k++) bytes.set(t.data.subarray(k * stride * w, (k * stride + 1) * w), k * w);
  const values = toFloat64({ dtype: t.dtype, shape: [m], data: bytes });
  for (let k = 0; k < m; k++) if (!Number.isFinite(values[k])) values[k] = 0;
  return values;
}

/**
 * ||a - b|| relative to the members' RMS norm: 0 for equal samples, about √2 for unrelated
 * tensors of similar scale, about the relative noise for fine-tuned variants of one base.
 */
export function relativeDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  const scale = Math.sqrt((na + nb) / 2);
  if (scale === 0) return d === 0 ? 0 : Infinity;
  return Math.sqrt(d) / scale;
}

/**
 * Complete-linkage agglomerative clustering: repeatedly merges the two clusters whose farthest
 * members are closest, while that distance is at most `threshold`; so every two members of a
 * result are within `threshold` of each other. Returns clusters as lists of input indices.
 */
export function agglomerate(vectors: readonly Float64Array[], threshold: number): number[][] {
  const n = vectors.length;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) dist[i * n + j] = dist[j * n + i] = relativeDistance(vectors[i], vectors[j]);
  const members: (number[] | undefined)[] = vectors.map((_, i) => [i]);
  for (;;) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!members[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (members[j] && dist[i * n + j] < best) [best, bi, bj] = [dist[i * n + j], i, j];
      }
    }
    if (bi < 0 || best > threshold) break;
    (members[bi] as number[]).push(...(members[bj] as number[]));
    members[bj] = undefined;
    for (let x = 0; x < n; x++) dist[bi * n + x] = dist[x * n + bi] = Math.max(dist[bi * n + x], dist[bj * n + x]);
  }
  return members.filter((m): m is number[] => m !== undefined);
}

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
  return d;
}

/**
 * Deterministic k-means (Lloyd) on sample vectors: farthest-first seeding from the first vector,
 * then at most `iterations` rounds. Empty clusters are dropped, so fewer than k may come back.
 */
export function kmeansGroups(vectors: readonly Float64Array[], k: number, iterations = 25): number[][] {
  const n = vectors.length;
  if (n === 0) return [];
  const kk = Math.min(k, n);
  const centers: Float64Array[] = [Float64Array.from(vectors[0])];
  const nearest = vectors.map((v) => squaredDistance(v, centers[0]));
  while (centers.length < kk) {
    let far = 0;
    for (let i = 1; i < n; i++) if (nearest[i] > nearest[far]) far = i;
    centers.push(Float64Array.from(vectors[far]));
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i], squaredDistance(vectors[i], centers[centers.length - 1]));
  }
  const assign = new Int32Array(n).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < kk; c++) if (squaredDistance(vectors[i], centers[c]) < squaredDistance(vectors[i], centers[best])) best = c;
      if (assign[i] !== best) [assign[i], changed] = [best, true];
    }
    if (!changed) break;
    for (let c = 0; c < kk; c++) {
      const sum = new Float64Array(vectors[0].length);
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (assign[i] !== c) continue;
        count++;
        for (let e = 0; e < sum.length; e++) sum[e] += vectors[i][e];
      }
      if (count > 0) centers[c] = sum.map((s) => s / count);
    }
  }
  const out: number[][] = Array.from({ length: kk }, () => []);
  for (let i = 0; i < n; i++) out[assign[i]].push(i);
  return out.filter((c) => c.length > 0);
}

/**
 * Clusters one group: k-means with `k` clusters when given, otherwise complete linkage under
 * `threshold` (large groups split by k-means first to keep it fast).
 */
export function clusterGroup(vectors: readonly Float64Array[], options: { threshold: number; k?: number }): number[][] {
  if (options.k !== undefined) return kmeansGroups(vectors, options.k);
  if (vectors.length <= MAX_AGGLOMERATE) return agglomerate(vectors, options.threshold);
  const parts = kmeansGroups(vectors, Math.ceil(vectors.length / MAX_AGGLOMERATE));
  return parts.flatMap((part) => agglomerate(part.map((i) => vectors[i]), options.threshold).map((c) => c.map((j) => part[j])));
}
