import {
  DTYPE_BYTES,
  PLUGIN_API_VERSION,
  elementCount,
  requireArray,
  resolveParams,
  type DeltaPayload,
  type ComputePool,
  type DeltaTypePlugin,
  type Tensor,
} from '@reef/core';
import { assertLossyInputs, assertPayloadFits, float64ToTensor, headerAttributes, lossyUnsupportedReason, tensorToFloat64 } from '@reef/core/delta';
import { loadPqCode } from './load-pq-code.js';
import { PQ_CODE_PARAMS, pqUnsupportedReason } from './pq-params.js';
import { decodeResidual, encodeResidual } from './residual.js';
import { pqCodebookSupport } from './shared-codebook.js';

const ID = 'pq-lossless';

/**
 * pq-lossless: the PQ code of the delta plus the exact correction. The approximation is
 * reference + PQ delta rounded to the tensor's dtype; the payload stores the target's bits XOR
 * the approximation's bits, byte planes deflated. Decoding recomputes the same approximation
 * (same arithmetic, same order) and XORs the residual back: byte-exact for every bit pattern,
 * NaN payloads, ±0, ±Inf and subnormals included (non-finite deltas are coded as 0 and left to
 * the residual).
 */
export function createPqLosslessDeltaType(pool?: ComputePool): DeltaTypePlugin {
  const supports = (target: Tensor, reference: Tensor): string | undefined =>
    lossyUnsupportedReason(target, reference) ?? pqUnsupportedReason(elementCount(target.shape), resolveParams(`delta type ${ID}`, PQ_CODE_PARAMS));

  return {
    kind: 'delta',
    id: ID,
    label: 'PQ delta (lossless)',
    summary: 'PQ-coded delta plus the XOR of target and PQ reconstruction bits, deflated; byte-exact',
    apiVersion: PLUGIN_API_VERSION,
    lossless: true,
    params: PQ_CODE_PARAMS,
    supports,
    codebook: pqCodebookSupport(ID, pool),
    async encode(target, reference, options) {
      assertLossyInputs(ID, target, reference); // same dtype and shape, a float dtype
      const params = resolveParams(`delta type ${ID}`, PQ_CODE_PARAMS, options?.params ?? {});
      const t = tensorToFloat64(target);
      const r = tensorToFloat64(reference);
      const delta = new Float64Array(t.length);
      for (let i = 0; i < t.length; i++) {
        const d = t[i] - r[i];
        delta[i] = Number.isFinite(d) ? d : 0;
      }
      // The quantizer is imported here, on first use (see load-pq-code.ts).
      const pqCode = await loadPqCode();
      const code = await pqCode.encodeDeltaPq(delta, params, options?.codebook, pool);
      const partial: DeltaPayload = { arrays: code.arrays, attributes: { ...headerAttributes(ID, target), ...code.attributes } };
      const approximation = approximate(pqCode.decodeDeltaPq(partial, r.length), reference, r);
      const residual = encodeResidual(target.data, approximation.data, DTYPE_BYTES[target.dtype]);
      return {
        arrays: { ...code.arrays, residual: { data: residual, shape: [residual.length] } },
        attributes: partial.attributes,
      };
    },
    async decode(payload, reference) {
      assertPayloadFits(ID, payload, reference);
      const r = tensorToFloat64(reference);
      const approximation = approximate((await loadPqCode()).decodeDeltaPq(payload, r.length), reference, r);
      const residual = requireArray(payload, 'residual', Uint8Array);
      const data = decodeResidual(residual, approximation.data, DTYPE_BYTES[reference.dtype]);
      return { dtype: reference.dtype, shape: [...reference.shape], data };
    },
  };
}

/** reference + the decoded PQ delta, rounded to the reference's dtype: identical at encode and decode time. */
function approximate(delta: Float64Array, reference: Tensor, referenceValues: Float64Array): Tensor {
  for (let i = 0; i < delta.length; i++) delta[i] += referenceValues[i];
  return float64ToTensor(delta, reference.dtype, reference.shape);
}
