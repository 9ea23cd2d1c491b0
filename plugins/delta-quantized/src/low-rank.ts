import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { Rng } from '@reef/kernels';
import { ReefError, requireNumber, type DeltaPayload, type DeltaTypePlugin } from '@reef/core';
import { defineLossyDeltaType } from '@reef/core/delta';

/**
 * low-rank: the truncated SVD of a 2-D delta, stored as two factors L (rows × r, singular values
 * folded in) and R (cols × r) with delta ≈ L Rᵀ. Fine-tuning updates are often close to low rank,
 * so a few components carry most of the change. The rank is given, or the smallest that keeps a
 * fraction of the delta's energy (sum of squared singular values).
 */
export function createLowRankDeltaType(): DeltaTypePlugin {
  return defineLossyDeltaType({
    id: 'low-rank',
    label: 'Low-rank delta',
    summary: 'Truncated SVD of a 2-D delta (fixed rank or an energy fraction), factors in the target precision',
    params: [
      { name: 'rank', type: 'int', default: 0, min: 0, description: 'components to keep; 0 chooses the rank from energy' },
      {
        name: 'energy',
        type: 'float',
        default: 0.999,
        min: 0,
        max: 1,
        description: 'when rank is 0: keep the fewest components holding this fraction of the squared Frobenius norm',
      },
    ],
    // Fixed ranks: an energy target on a noise-like delta asks for nearly full rank (slow SVD, no saving).
    presets: [{ rank: 8 }, { rank: 32 }],
    supports(target) {
      if (target.shape.length !== 2) {
        return `low-rank needs a 2-D tensor (a matrix), got ${target.shape.length}-D shape [${target.shape.join(', ')}]`;
      }
      return undefined;
    },
    encodeBody({ target, delta, params }) {
      const [rows, cols] = target.shape;
      const { left, right, rank } = truncatedSvd(delta, rows, cols, params.rank as number, params.energy as number);
      // f64 tensors keep f64 factors; narrower dtypes lose nothing measurable with f32 factors.
      const Store = target.dtype === 'f64' ? Float64Array : Float32Array;
      return {
        arrays: {
          left: { data: Store.from(left), shape: [rows, rank] },
          right: { data: Store.from(right), shape: [cols, rank] },
        },
        attributes: { rank },
      };
    },
    decodeValues(payload, referenceValues, reference) {
      const [rows, cols] = reference.shape;
      const rank = requireNumber(payload, 'rank', true);
      const left = factor(payload, 'left', rows * rank);
      const right = factor(payload, 'right', cols * rank);
      const out = Float64Array.from(referenceValues);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let sum = 0;
          for (let k = 0; k < rank; k++) sum += left[i * rank + k] * right[j * rank + k];
          out[i * cols + j] += sum;
        }
      }
      return out;
    },
  });
}

/**
 * Row-major factors L (rows × r) and R (cols × r) of a rank-r approximation L Rᵀ of the delta.
 * Small matrices get an exact SVD. Larger ones a randomized SVD (Halko, Martinsson & Tropp 2011:
 * Gaussian sketch, two power iterations), which costs a few passes over the matrix instead of
 * O(rows · cols · min(rows, cols)). In energy mode the sketch doubles until it holds the energy
 * asked for, up to the break-even rank rows·cols / (rows + cols), beyond which a dense delta is
 * smaller anyway; the error actually reached is what gets measured and recorded.
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

/**
 * A requested rank (capped at the components available), or the fewest components whose squared
 * singular values reach `energy` × `total` (all of them when they cannot).
 */
export function chooseRank(
  sigma: readonly number[],
  requestedRank: number,
  energy: number,
  total = sigma.reduce((s, x) => s + x * x, 0),
): number {
  if (requestedRank > 0) return Math.min(requestedRank, sigma.length);
  if (total === 0) return 0;
  let kept = 0;
  for (let k = 0; k < sigma.length; k++) {
    kept += sigma[k] * sigma[k];
    if (kept >= energy * total) return k + 1;
  }
  return sigma.length;
}

function factor(payload: DeltaPayload, name: string, length: number): Float32Array | Float64Array {
  const data = payload.arrays[name]?.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array) || data.length !== length) {
    throw new ReefError('BAD_MODEL', `low-rank payload array '${name}' should be ${length} float32 or float64 values`);
  }
  return data;
}
