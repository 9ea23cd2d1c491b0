import { kmeans, multiplyFast, nearestCentroidsFast, principalAxes, type NearestResult } from '@reef/kernels';

export interface ProgressiveKMeansOptions {
  readonly niter: number;
  readonly seed: number;
  /** Number of k-means runs, at dimensions d^(1/steps), d^(2/steps), …, d (FAISS's default 10). */
  readonly steps?: number;
  /** Nearest-centroid step; the default is the WASM SIMD kernel. */
  readonly assign?: (x: Float32Array, n: number, d: number, centroids: Float32Array, k: number) => NearestResult | Promise<NearestResult>;
}

/** Points the principal axes are estimated from; they only order the dimensions, so a sample suffices. */
const PCA_SAMPLE = 8192;

/**
 * k-means in growing numbers of principal components, as FAISS's ProgressiveDimClustering (which
 * FAISS's ResidualQuantizer uses for every stage by default): the data is rotated onto its principal
 * axes, k-means runs on the first d_1 < d_2 < … < d coordinates, each run warm-started from the
 * previous centroids padded with zeros. The clusters are so decided by the directions of largest
 * variance first, and the final full-dimensional Lloyd iterations only refine them; on Fashion-MNIST
 * residuals this generalises better to vectors outside the training set than k-means started from
 * random points in all 784 dimensions (see the README).
 *
 * The last run is at full dimension, where k-means does not depend on the rotation, so it runs on the
 * original data with the warm-start centroids rotated back; only d_{steps−1} principal coordinates
 * are ever formed.
 */
export async function progressiveKmeans(x: Float32Array, n: number, d: number, k: number, options: ProgressiveKMeansOptions): Promise<Float32Array> {
  const steps = options.steps ?? 10;
  const assign = options.assign ?? nearestCentroidsFast;
  const dims = progressiveDims(d, steps);
  if (dims.length === 1) return (await kmeans(x, n, d, k, { niter: options.niter, seed: options.seed, assign })).centroids;

  const mean = columnMeans(x, n, d);
  const { axes } = principalAxes(x, n, d, { maxPoints: PCA_SAMPLE, seed: options.seed, mean }); // d × d, column j = j-th axis
  const top = dims[dims.length - 2];
  // Principal coordinates of every point on the first `top` axes.
  const basis = new Float32Array(d * top);
  for (let i = 0; i < d; i++) for (let j = 0; j < top; j++) basis[i * top + j] = axes[i * d + j];
  const centred = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred[i * d + j] = x[i * d + j] - mean[j];
  const coords = multiplyFast(centred, n, d, basis, top);

  let centroids: Float32Array | undefined;
  let prev = 0;
  for (const di of dims.slice(0, -1)) {
    const sub = new Float32Array(n * di);
    for (let i = 0; i < n; i++) sub.set(coords.subarray(i * top, i * top + di), i * di);
    const init = centroids ? padColumns(centroids, k, prev, di) : undefined;
    centroids = (await kmeans(sub, n, di, k, { niter: options.niter, seed: options.seed, assign, initialCentroids: init })).centroids;
    prev = di;
  }
  // Back to the original space: c = mean + Σ_j coord_j · axis_j over the first `prev` axes.
  const start = new Float32Array(k * d);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      let v = mean[i];
      for (let j = 0; j < prev; j++) v += (centroids as Float32Array)[c * prev + j] * axes[i * d + j];
      start[c * d + i] = v;
    }
  }
  return (await kmeans(x, n, d, k, { niter: options.niter, seed: options.seed, assign, initialCentroids: start })).centroids;
}

/** FAISS's schedule d_i = floor(d^((i+1)/steps)), without the repeats FAISS runs for small d (at d = 4: 1, 1, 1, 1, 2, …), ending at d. */
export function progressiveDims(d: number, steps: number): number[] {
  const dims: number[] = [];
  for (let i = 0; i < steps; i++) {
    const di = Math.max(1, Math.min(d, Math.floor(d ** ((i + 1) / steps) + 1e-9)));
    if (dims.length === 0 || di > dims[dims.length - 1]) dims.push(di);
  }
  if (dims[dims.length - 1] !== d) dims.push(d);
  return dims;
}

function columnMeans(x: Float32Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

/** Rows of width `from` padded with zeros to width `to`. */
function padColumns(rowsData: Float32Array, count: number, from: number, to: number): Float32Array {
  const out = new Float32Array(count * to);
  for (let r = 0; r < count; r++) out.set(rowsData.subarray(r * from, (r + 1) * from), r * to);
  return out;
}
