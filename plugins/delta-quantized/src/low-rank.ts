import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ReefError, requireNumber, type DeltaPayload, type DeltaTypePlugin } from '@reef/core';
import { defineLossyDeltaType } from './lossy.js';

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

/** Row-major factors L (rows × r) and R (cols × r) of the best rank-r approximation L Rᵀ. */
export function truncatedSvd(
  delta: Float64Array,
  rows: number,
  cols: number,
  requestedRank: number,
  energy: number,
): { left: Float64Array; right: Float64Array; rank: number } {
  if (rows === 0 || cols === 0) return { left: new Float64Array(0), right: new Float64Array(0), rank: 0 };
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, delta[i * cols + j]);
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const sigma = svd.diagonal;
  const rank = chooseRank(sigma, requestedRank, energy);
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const left = new Float64Array(rows * rank);
  const right = new Float64Array(cols * rank);
  for (let k = 0; k < rank; k++) {
    for (let i = 0; i < rows; i++) left[i * rank + k] = u.get(i, k) * sigma[k];
    for (let j = 0; j < cols; j++) right[j * rank + k] = v.get(j, k);
  }
  return { left, right, rank };
}

/** A requested rank (capped at the matrix's), or the fewest components reaching the energy fraction. */
export function chooseRank(sigma: readonly number[], requestedRank: number, energy: number): number {
  if (requestedRank > 0) return Math.min(requestedRank, sigma.length);
  const total = sigma.reduce((s, x) => s + x * x, 0);
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
