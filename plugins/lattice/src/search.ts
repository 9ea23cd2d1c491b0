import { assertCodes, assertQuery, type AsymmetricSearch, type CodeDistances, type Metric } from '@reef/core';
import type { DecodedCodes } from './decoded-codes.js';
import type { LatticeModel } from './model.js';

/**
 * Asymmetric search against the decoded vectors in the centred, rotated space, where the query is
 * mapped once. Rotation is orthogonal, so distances there equal distances between the query and
 * the decoded vectors (exactOnDecoded, up to float rounding): for 'l2'
 *
 *   ‖q − x̂‖² = Σ_j ((q − centre)·R)_j − scale_j·alpha·p_j)²,
 *
 * and for 'ip', ⟨q, x̂⟩ = ⟨q, centre⟩ + Σ_j (q·R)_j · scale_j·alpha·p_j, with p the lattice point.
 * Padding dimensions have weight 0, so they never count. Each code array is decoded once
 * (`decoded`); a query is then one SIMD matrix–vector product over the resident decoded vectors
 * (see DecodedScan), not a decoding pass.
 */
export function latticeSearch(trained: () => LatticeModel, decoded: DecodedCodes): AsymmetricSearch {
  return {
    metrics: ['l2', 'ip'],
    exactOnDecoded: true,
    prepare(query: Float32Array, metric: Metric): CodeDistances {
      const model = trained();
      assertQuery(query, model.dim);
      const { dim, centre } = model.state;
      const centred = new Float64Array(model.paddedDim);
      let base = 0;
      if (metric === 'l2') {
        model.centre(query, 0, centred);
      } else {
        model.centre(query, 0, centred, false); // ⟨q, x̂⟩ = ⟨q, centre⟩ + ⟨q·R, y⟩
        for (let j = 0; j < dim; j++) base += query[j] * centre[j];
      }
      const target = new Float32Array(dim);
      let targetNorm = 0;
      for (let j = 0; j < dim; j++) {
        target[j] = centred[j];
        targetNorm += centred[j] * centred[j];
      }
      return {
        distances(codes: Uint8Array, out?: Float32Array): Float32Array {
          const count = assertCodes(codes, model.codeSize);
          const result = out ?? new Float32Array(count);
          return decoded.scanFor(model, codes, count).scan(target, metric, metric === 'l2' ? targetNorm : base, result);
        },
      };
    },
  };
}
