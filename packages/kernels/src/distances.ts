/** Squared L2 distance between a[ao..ao+d) and b[bo..bo+d). */
export function l2sqr(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const d0 = a[ao + j] - b[bo + j];
    const d1 = a[ao + j + 1] - b[bo + j + 1];
    const d2 = a[ao + j + 2] - b[bo + j + 2];
    const d3 = a[ao + j + 3] - b[bo + j + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; j < d; j++) {
    const t = a[ao + j] - b[bo + j];
    s0 += t * t;
  }
  return s0 + s1 + s2 + s3;
}

/** Inner product of a[ao..ao+d) and b[bo..bo+d). */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < d; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

/** Squared norms of n rows of dimension d. */
export function squaredNorms(x: Float32Array, n: number, d: number, out = new Float32Array(n)): Float32Array {
  for (let i = 0; i < n; i++) out[i] = dot(x, i * d, x, i * d, d);
  return out;
}

export interface NearestResult {
  /** Index of the nearest centroid per point. */
  readonly labels: Int32Array;
  /** Squared L2 distance to it. */
  readonly distances: Float32Array;
}

const BLOCK_POINTS = 64;
const BLOCK_CENTROIDS = 256;

/**
 * Nearest centroid of each of n points (dimension d) among k centroids, by squared L2.
 * Uses ‖x‖² − 2⟨x,c⟩ + ‖c‖² over cache-sized blocks of points × centroids, then recomputes the
 * winner's exact distance so results are never negative from cancellation.
 */
export function nearestCentroids(
  x: Float32Array,
  n: number,
  d: number,
  centroids: Float32Array,
  k: number,
  centroidNorms: Float32Array = squaredNorms(centroids, k, d),
  out?: NearestResult,
): NearestResult {
  const labels = out?.labels ?? new Int32Array(n);
  const distances = out?.distances ?? new Float32Array(n);
  const best = new Float64Array(BLOCK_POINTS);
  for (let p0 = 0; p0 < n; p0 += BLOCK_POINTS) {
    const p1 = Math.min(n, p0 + BLOCK_POINTS);
    best.fill(Infinity);
    for (let c0 = 0; c0 < k; c0 += BLOCK_CENTROIDS) {
      const c1 = Math.min(k, c0 + BLOCK_CENTROIDS);
      for (let p = p0; p < p1; p++) {
        const xo = p * d;
        let bestVal = best[p - p0];
        let bestIdx = labels[p];
        for (let c = c0; c < c1; c++) {
          // ‖x‖² is constant per point, so compare ‖c‖² − 2⟨x,c⟩ only.
          const v = centroidNorms[c] - 2 * dot(x, xo, centroids, c * d, d);
          if (v < bestVal) {
            bestVal = v;
            bestIdx = c;
          }
        }
        best[p - p0] = bestVal;
        labels[p] = bestIdx;
      }
    }
    for (let p = p0; p < p1; p++) distances[p] = l2sqr(x, p * d, centroids, labels[p] * d, d);
  }
  return { labels, distances };
}
