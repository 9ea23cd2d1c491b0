import { elementCount, resolveParams, type ComputePool, type DeltaTypePlugin } from '@reef/core';
import { defineLossyDeltaType } from '@reef/core/delta';
import { pqCodebookSupport } from './shared-codebook.js';
import { loadPqCode } from './load-pq-code.js';
import { PQ_CODE_PARAMS, pqUnsupportedReason } from './pq-params.js';

/**
 * pq-lossy: reference + the PQ reconstruction of the delta; error measured and recorded. `pool`:
 * the host's compute pool for codebook training (this thread without one; same payloads).
 */
export function createPqLossyDeltaType(pool?: ComputePool): DeltaTypePlugin {
  return defineLossyDeltaType({
    id: 'pq-lossy',
    label: 'PQ delta (lossy)',
    summary: 'Delta cut into sub-vectors and coded by a product quantizer trained on them (codebook in the payload, shareable)',
    params: PQ_CODE_PARAMS,
    supports: (target) => pqUnsupportedReason(elementCount(target.shape), resolveParams('delta type pq-lossy', PQ_CODE_PARAMS)),
    codebook: pqCodebookSupport('pq-lossy', pool),
    presets: [{}, { sub_vector: 16 }],
    // The quantizer is imported here, on first use: `supports` and the params above need none of it.
    encodeBody: async ({ delta, params, codebook }) => (await loadPqCode()).encodeDeltaPq(delta, params, codebook, pool),
    async decodeValues(payload, referenceValues) {
      const delta = (await loadPqCode()).decodeDeltaPq(payload, referenceValues.length);
      for (let i = 0; i < delta.length; i++) delta[i] += referenceValues[i];
      return delta;
    },
  });
}
