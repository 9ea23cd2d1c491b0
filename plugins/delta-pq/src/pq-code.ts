import { PLUGIN_API_VERSION, ReefError, requireArray, requireNumber, vectors, type Attributes, type DeltaPayload, type NamedArray, type ParamSpec, type Params, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';
import { ProductQuantizer } from '@reef/quantizer-pq';

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

/** Trains a PQ on the delta's sub-vectors and codes them. Non-finite entries must be zeroed first. */
export async function encodeDeltaPq(delta: Float64Array, params: Params): Promise<PqCode> {
  const reason = pqUnsupportedReason(delta.length, params);
  if (reason) throw new ReefError('UNSUPPORTED', `PQ delta: ${reason}`);
  const d = params.sub_vector as number;
  const count = Math.ceil(delta.length / d);
  // k-means needs at least as many vectors as centroids.
  const nbits = Math.min(params.nbits as number, Math.floor(Math.log2(count)));
  const scale = rootMeanSquare(delta) || 1;
  const x = new Float32Array(count * d);
  for (let i = 0; i < delta.length; i++) x[i] = delta[i] / scale;
  const pq = new ProductQuantizer({ m: params.m, nbits, niter: params.niter });
  await pq.fit(trainingSample(x, count, d, 2 ** nbits, params.seed as number), { seed: params.seed as number });
  const codes = pq.encode(vectors(x, d));
  const saved = pq.save();
  return {
    arrays: {
      pq_codebook: saved.arrays.centroids,
      pq_codes: { data: codes, shape: [codes.length] },
    },
    attributes: { sub_vector: d, pq_m: params.m as number, pq_nbits: nbits, pq_vectors: count, pq_scale: scale },
  };
}

/** The approximate delta a PQ code stands for, `elements` values (padding dropped), in float64. */
export function decodeDeltaPq(payload: DeltaPayload, elements: number): Float64Array {
  const d = requireNumber(payload, 'sub_vector', true);
  const m = requireNumber(payload, 'pq_m', true);
  const nbits = requireNumber(payload, 'pq_nbits', true);
  const count = requireNumber(payload, 'pq_vectors', true);
  const scale = requireNumber(payload, 'pq_scale');
  if (count !== Math.ceil(elements / d)) {
    throw new ReefError('BAD_MODEL', `PQ delta holds ${count} sub-vectors of ${d}, which does not fit ${elements} elements`);
  }
  const centroids = requireArray(payload, 'pq_codebook', Float32Array, 2 ** nbits * d);
  const pq = ProductQuantizer.load({
    pluginId: 'pq',
    apiVersion: PLUGIN_API_VERSION,
    params: { m, nbits },
    attributes: { dim: d, m, nbits },
    arrays: { centroids: { data: centroids, shape: [centroids.length] } },
  });
  const codes = requireArray(payload, 'pq_codes', Uint8Array, count * pq.codeSize);
  const x = pq.decode(codes);
  const out = new Float64Array(elements);
  for (let i = 0; i < elements; i++) out[i] = x[i] * scale;
  return out;
}

/**
 * At most TRAINING_POINTS_PER_CENTROID × K sub-vectors, drawn with a seeded RNG: k-means cost grows
 * with the points it sees, and a few dozen per centroid already place them well (FAISS's floor is 39).
 */
const TRAINING_POINTS_PER_CENTROID = 64;

function trainingSample(x: Float32Array, count: number, d: number, k: number, seed: number): Vectors {
  const cap = TRAINING_POINTS_PER_CENTROID * k;
  if (count <= cap) return vectors(x, d);
  const pick = new Rng(seed).sample(count, cap);
  const sample = new Float32Array(cap * d);
  for (let i = 0; i < cap; i++) sample.set(x.subarray(pick[i] * d, (pick[i] + 1) * d), i * d);
  return vectors(sample, d);
}

/** RMS without overflow for deltas up to the float64 range (pq-lossless accepts any bit pattern). */
function rootMeanSquare(values: Float64Array): number {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  if (max === 0) return 0;
  let sum = 0;
  for (const v of values) sum += (v / max) ** 2;
  return max * Math.sqrt(sum / values.length);
}
