import { resolveParams, type ComputePool, type DeltaCodebookSupport, type DeltaTrainingPair } from '@reef/core';
import { tensorToFloat64 } from '@reef/core/delta';
import { loadPqCode } from './load-pq-code.js';
import { PQ_CODE_PARAMS } from './pq-params.js';

/**
 * Codebook sharing for both PQ types: one PQ trained on the pooled deltas of many tensors (each
 * scaled to unit RMS), so a store pays for the 2^nbits × sub_vector centroids once per commit
 * instead of once per tensor. Non-finite deltas count as 0, as pq-lossless codes them.
 */
export function pqCodebookSupport(typeId: string, pool?: ComputePool): DeltaCodebookSupport {
  return {
    arrays: ['pq_codebook'],
    async train(pairs: readonly DeltaTrainingPair[], options) {
      const params = resolveParams(`delta type ${typeId}`, PQ_CODE_PARAMS, options?.params ?? {});
      const deltas = pairs.map(({ target, reference }) => {
        const t = tensorToFloat64(target);
        const r = tensorToFloat64(reference);
        const delta = new Float64Array(t.length);
        for (let i = 0; i < t.length; i++) {
          const d = t[i] - r[i];
          delta[i] = Number.isFinite(d) ? d : 0;
        }
        return delta;
      });
      return (await loadPqCode()).trainDeltaCodebook(deltas, params, pool);
    },
  };
}
