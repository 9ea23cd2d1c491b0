import { ReefError, requireNumber, type DeltaPayload, type DeltaTypePlugin } from '@reef/core';
import { defineLossyDeltaType } from '@reef/core/delta';
import type * as Svd from './svd.js';

/**
 * The SVD (./svd.js with ml-matrix and @reef/kernels), imported on the first low-rank encode. Hosts
 * register every installed delta type at start-up, and lossy commits are the only users of this
 * one; decoding needs no SVD (it multiplies the stored factors), so registering and decoding stay light.
 */
function loadSvd(): Promise<typeof Svd> {
  return import('./svd.js');
}

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
    async encodeBody({ target, delta, params }) {
      const [rows, cols] = target.shape;
      const { left, right, rank } = (await loadSvd()).truncatedSvd(delta, rows, cols, params.rank as number, params.energy as number);
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

function factor(payload: DeltaPayload, name: string, length: number): Float32Array | Float64Array {
  const data = payload.arrays[name]?.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array) || data.length !== length) {
    throw new ReefError('BAD_MODEL', `low-rank payload array '${name}' should be ${length} float32 or float64 values`);
  }
  return data;
}
