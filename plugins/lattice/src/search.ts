import { assertCodes, assertQuery, type AsymmetricSearch, type CodeDistances, type Metric } from '@reef/core';
import { BLOCK } from './lattices.js';
import type { LatticeModel } from './model.js';

/**
 * Asymmetric search by decoding each code block by block in the centred, rotated space, where
 * the query is mapped once. Rotation is orthogonal, so distances there equal distances between the
 * query and the decoded vectors (exactOnDecoded): for 'l2'
 *
 *   ‖q − x̂‖² = Σ_j ((q − centre)·R)_j − scale_j·alpha·p_j)²,
 *
 * and for 'ip', ⟨q, x̂⟩ = ⟨q, centre⟩ + Σ_j (q·R)_j · scale_j·alpha·p_j, with p the lattice point.
 * Padding dimensions have weight 0, so they never count.
 */
export function latticeSearch(trained: () => LatticeModel): AsymmetricSearch {
  return {
    metrics: ['l2', 'ip'],
    exactOnDecoded: true,
    prepare(query: Float32Array, metric: Metric): CodeDistances {
      const model = trained();
      assertQuery(query, model.dim);
      const { dim, centre, scale, alpha } = model.state;
      const step = new Float64Array(model.paddedDim);
      for (let j = 0; j < dim; j++) step[j] = scale[j] * alpha;
      const target = new Float64Array(model.paddedDim);
      let base = 0;
      if (metric === 'l2') {
        model.centre(query, 0, target);
      } else {
        model.centre(query, 0, target, false); // ⟨q, x̂⟩ = ⟨q, centre⟩ + ⟨q·R, y⟩
        for (let j = 0; j < dim; j++) base += query[j] * centre[j];
      }
      const point = new Float64Array(BLOCK);
      return {
        distances(codes: Uint8Array, out?: Float32Array): Float32Array {
          const count = assertCodes(codes, model.codeSize);
          const result = out ?? new Float32Array(count);
          for (let i = 0; i < count; i++) {
            const offset = i * model.codeSize;
            let s = base;
            for (let b = 0; b < model.blocks; b++) {
              model.decodeBlock(codes, offset, b, point);
              const o = b * BLOCK;
              if (metric === 'l2') {
                for (let k = 0; k < BLOCK; k++) {
                  const e = target[o + k] - step[o + k] * point[k];
                  s += e * e;
                }
              } else {
                for (let k = 0; k < BLOCK; k++) s += target[o + k] * step[o + k] * point[k];
              }
            }
            result[i] = s;
          }
          return result;
        },
      };
    },
  };
}
