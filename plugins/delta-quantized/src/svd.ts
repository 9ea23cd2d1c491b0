import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { Rng } from '@reef/kernels';
import { chooseRank } from './rank.js';

/**
 * Row-major factors L (rows × r) and R (cols × r) of a rank-r approximation L Rᵀ of the delta.
 * Small matrices get an exact SVD. Larger ones a randomized SVD (Halko, Martinsson & Tropp 2011:
 * Gaussian sketch, two power iterations), which costs a few passes over the matrix instead of
 * O(rows · cols · min(rows, cols)). In energy mode the sketch doubles until it holds the energy
 * asked for, up to the break-even rank rows·cols / (rows + cols), beyond which a dense delta is
 * smaller anyway; the error actually reached is what gets measured and recorded.
 *
 * This module loads ml-matrix and @reef/kernels: the low-rank type imports it on first encode,
 * never when it is registered. Also published as `@reef/delta-quantized/svd`.
 */
export function truncatedSvd(
  delta: Float64Array,
  rows: number,
  cols: number,
  requestedRank: number,
  energy: number,
): { left: Float64Array; right: Float64Array; rank: number } {
  if (rows === 0 || cols === 0) return { left: new Float64Array(0), right: new Float64Array(0), rank: 0 };
  const a = new Matrix(rows, cols);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = delta[i * cols + j];
      a.set(i, j, v);
      total += v * v;
    }
  }
  const full = Math.min(rows, cols);
  const breakEven = Math.max(1, Math.floor((rows * cols) / (rows + cols)));
  let factors: SvdFactors;
  if (full <= EXACT_SVD_SIZE) {
    factors = exactSvd(a);
  } else if (requestedRank > 0) {
    factors = randomizedSvd(a, Math.min(full, requestedRank + OVERSAMPLING));
  } else {
    let width = Math.min(full, 32);
    for (;;) {
      factors = randomizedSvd(a, width);
      const captured = factors.sigma.reduce((s, x) => s + x * x, 0);
      if (captured >= energy * total || width >= Math.min(full, breakEven + OVERSAMPLING)) break;
      width = Math.min(full, breakEven + OVERSAMPLING, width * 2);
    }
  }
  const rank = chooseRank(factors.sigma, requestedRank, energy, total);
  const left = new Float64Array(rows * rank);
  const right = new Float64Array(cols * rank);
  for (let k = 0; k < rank; k++) {
    for (let i = 0; i < rows; i++) left[i * rank + k] = factors.u.get(i, k) * factors.sigma[k];
    for (let j = 0; j < cols; j++) right[j * rank + k] = factors.v.get(j, k);
  }
  return { left, right, rank };
}

/** Matrices up to this many rows or columns get an exact SVD: fast enough, and no sketching error. */
const EXACT_SVD_SIZE = 128;
/** Extra sketch columns beyond the rank wanted (Halko et al. recommend 5–10). */
const OVERSAMPLING = 10;
const POWER_ITERATIONS = 2;

interface SvdFactors {
  readonly u: Matrix;
  readonly sigma: number[];
  readonly v: Matrix;
}

function exactSvd(a: Matrix): SvdFactors {
  const svd = new SingularValueDecomposition(a, { autoTranspose: true });
  return { u: svd.leftSingularVectors, sigma: svd.diagonal, v: svd.rightSingularVectors };
}

/** Randomized SVD with a sketch of `width` columns (seeded: the same delta gives the same payload). */
function randomizedSvd(a: Matrix, width: number): SvdFactors {
  const rng = new Rng(0x5eed);
  const omega = new Matrix(a.columns, width);
  for (let i = 0; i < a.columns; i++) for (let j = 0; j < width; j++) omega.set(i, j, rng.normal());
  let q = orthonormalBasis(a.mmul(omega));
  // Power iterations sharpen the sketch when singular values decay slowly (re-orthonormalized).
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    const z = orthonormalBasis(a.transpose().mmul(q));
    q = orthonormalBasis(a.mmul(z));
  }
  const small = exactSvd(q.transpose().mmul(a)); // width × cols
  return { u: q.mmul(small.u), sigma: small.sigma, v: small.v };
}

function orthonormalBasis(y: Matrix): Matrix {
  return new QrDecomposition(y).orthogonalMatrix;
}
