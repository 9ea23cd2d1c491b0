import type { Attributes, NamedArray, ParamSpec, Params } from '@reef/core';

/**
 * The PQ part shared by pq-lossy and pq-lossless: the delta, flattened, is cut into sub-vectors of
 * `sub_vector` values (the tail padded with zeros), scaled to unit RMS, and coded by a product
 * quantizer from @reef/quantizer-pq trained on those very sub-vectors.
 *
 * The codebook goes into the payload as the array `pq_codebook` (with the quantizer's parameters
 * as attributes), separate from the per-tensor `pq_codes`, so a store can keep codebooks apart
 * (e.g. under /pq_codebooks, content-addressed) and put the array back before decoding.
 */
export const PQ_CODE_PARAMS: readonly ParamSpec[] = [
  { name: 'sub_vector', type: 'int', default: 8, min: 1, max: 256, description: 'values per PQ vector (the delta is cut into pieces of this length)' },
  { name: 'm', type: 'int', default: 4, min: 1, max: 256, description: 'sub-quantizers per vector (at most sub_vector)' },
  { name: 'nbits', type: 'int', default: 8, min: 1, max: 12, description: 'bits per sub-code; lowered automatically for tensors with few vectors' },
  { name: 'niter', type: 'int', default: 15, min: 1, description: 'k-means iterations when training the codebook' },
  { name: 'seed', type: 'int', default: 1234, min: 0, description: 'seed for codebook training (same seed, same payload)' },
];

/** Fewer vectors than this cannot train a codebook worth having. */
const MIN_VECTORS = 2;

export function pqUnsupportedReason(elements: number, params: Params): string | undefined {
  const d = params.sub_vector as number;
  if ((params.m as number) > d) return `m=${params.m} sub-quantizers exceeds sub_vector=${d}`;
  const count = Math.ceil(elements / d);
  if (count < MIN_VECTORS) return `a tensor of ${elements} elements makes ${count} sub-vector(s) of ${d}; PQ needs at least ${MIN_VECTORS}`;
  return undefined;
}

/** A delta's PQ code: arrays and attributes for the payload. */
export interface PqCode {
  readonly arrays: Record<string, NamedArray>;
  readonly attributes: Attributes;
}
