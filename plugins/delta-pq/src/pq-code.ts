import { PLUGIN_API_VERSION, ReefError, requireArray, requireNumber, vectors, type ComputePool, type DeltaPayload, type Params, type PortableData, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';
import { ProductQuantizer } from '@reef/quantizer-pq';
import { pqUnsupportedReason, type PqCode } from './pq-params.js';

export { PQ_CODE_PARAMS, pqUnsupportedReason, type PqCode } from './pq-params.js';

/**
 * Coding a delta with a product quantizer (see pq-params.ts for the layout of a PQ code). This
 * module loads @reef/quantizer-pq and @reef/kernels: the delta types import it on first encode,
 * decode or codebook training (`loadPqCode`), never when they are registered. Also published as
 * `@reef/delta-pq/pq-code` for code that calls these functions itself.
 */
/**
 * Trains one PQ codebook on the unit-RMS sub-vectors of several deltas (a store shares it between
 * the tensors of a commit). Returns the codebook in payload form: the array `pq_codebook` plus the
 * attributes that describe it. Non-finite entries must be zeroed first. `pool`: the host's compute
 * pool, where the PQ's k-means runs (on this thread without one; the same codebook either way).
 */
export async function trainDeltaCodebook(deltas: readonly Float64Array[], params: Params, pool?: ComputePool): Promise<PortableData> {
  const d = params.sub_vector as number;
  const counts = deltas.map((delta) => Math.ceil(delta.length / d));
  const total = counts.reduce((s, c) => s + c, 0);
  const reason = pqUnsupportedReason(total * d, params);
  if (reason) throw new ReefError('UNSUPPORTED', `PQ delta: ${reason}`);
  // k-means needs at least as many vectors as centroids.
  const nbits = Math.min(params.nbits as number, Math.floor(Math.log2(total)));
  const seed = params.seed as number;
  const sample = trainingSample(deltas, counts, d, TRAINING_POINTS_PER_CENTROID * 2 ** nbits, seed);
  const pq = new ProductQuantizer({ m: params.m, nbits, niter: params.niter }, { pool });
  await pq.fit(sample, { seed });
  return { arrays: { pq_codebook: pq.save().arrays.centroids }, attributes: { sub_vector: d, pq_m: params.m as number, pq_nbits: nbits } };
}

/**
 * Codes a delta with a PQ: `codebook` when given (trained by trainDeltaCodebook, perhaps on other
 * tensors too), else one trained on this delta's own sub-vectors. Non-finite entries must be zeroed first.
 */
export async function encodeDeltaPq(delta: Float64Array, params: Params, codebook?: PortableData, pool?: ComputePool): Promise<PqCode> {
  if (!codebook) {
    const reason = pqUnsupportedReason(delta.length, params);
    if (reason) throw new ReefError('UNSUPPORTED', `PQ delta: ${reason}`);
  }
  const book = codebook ?? (await trainDeltaCodebook([delta], params, pool));
  const d = requireNumber(book, 'sub_vector', true);
  const m = requireNumber(book, 'pq_m', true);
  const nbits = requireNumber(book, 'pq_nbits', true);
  const centroids = requireArray(book, 'pq_codebook', Float32Array, 2 ** nbits * d);
  const count = Math.ceil(delta.length / d);
  const scale = rootMeanSquare(delta) || 1;
  const x = new Float32Array(count * d);
  for (let i = 0; i < delta.length; i++) x[i] = delta[i] / scale;
  const codes = loadPq(centroids, d, m, nbits).encode(vectors(x, d));
  return {
    arrays: {
      pq_codebook: { data: centroids, shape: [centroids.length] },
      pq_codes: { data: codes, shape: [codes.length] },
    },
    attributes: { sub_vector: d, pq_m: m, pq_nbits: nbits, pq_vectors: count, pq_scale: scale },
  };
}

function loadPq(centroids: Float32Array, d: number, m: number, nbits: number): ProductQuantizer {
  return ProductQuantizer.load({
    pluginId: 'pq',
    apiVersion: PLUGIN_API_VERSION,
    params: { m, nbits },
    attributes: { dim: d, m, nbits },
    arrays: { centroids: { data: centroids, shape: [centroids.length] } },
  });
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
  const pq = loadPq(centroids, d, m, nbits);
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

function trainingSample(deltas: readonly Float64Array[], counts: readonly number[], d: number, cap: number, seed: number): Vectors {
  const total = counts.reduce((s, c) => s + c, 0);
  const rng = new Rng(seed);
  const rows: Float32Array[] = [];
  deltas.forEach((delta, k) => {
    // Each delta scaled to unit RMS on its own, so one codebook fits tensors of any magnitude; each
    // gives sub-vectors in proportion to its size.
    const scale = rootMeanSquare(delta) || 1;
    const take = total <= cap ? counts[k] : Math.min(counts[k], Math.max(1, Math.round((cap * counts[k]) / total)));
    const pick = take === counts[k] ? Array.from({ length: take }, (_, i) => i) : rng.sample(counts[k], take);
    for (const p of pick) {
      const row = new Float32Array(d);
      for (let j = 0; j < d && p * d + j < delta.length; j++) row[j] = delta[p * d + j] / scale;
      rows.push(row);
    }
  });
  const x = new Float32Array(rows.length * d);
  rows.forEach((row, i) => x.set(row, i * d));
  return vectors(x, d);
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
