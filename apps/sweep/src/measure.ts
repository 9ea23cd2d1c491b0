import type { Quantizer, Vectors } from '@reef/core';
import type { Dataset } from '@reef/datasets';
import { exactKnn, l2sqr, recallAtK, Rng, squaredNorms, topK } from '@reef/kernels';
import type { Metrics } from './schema.js';

/** How many neighbours each search returns: enough for recall@100. */
const SEARCH_K = 100;
/** Random pairs used for the distance-distortion estimate. */
const DISTORTION_PAIRS = 2000;

const now = (): number => performance.now();

/** Mean over vectors of the squared L2 reconstruction error (docs/metrics.md: MSE). */
export function meanSquaredError(original: Vectors, decoded: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < original.count; i++) sum += l2sqr(original.data, i * original.dim, decoded, i * original.dim, original.dim);
  return sum / original.count;
}

/** Mean relative error of L2 distances between random pairs after decoding (docs/metrics.md). */
export function distanceDistortion(original: Vectors, decoded: Float32Array, seed: number): number | null {
  if (original.count < 2) return null;
  const rng = new Rng(seed);
  let sum = 0;
  let used = 0;
  for (let p = 0; p < DISTORTION_PAIRS; p++) {
    const i = rng.int(original.count);
    const j = rng.int(original.count);
    const d = Math.sqrt(l2sqr(original.data, i * original.dim, original.data, j * original.dim, original.dim));
    if (d === 0) continue;
    const dHat = Math.sqrt(l2sqr(decoded, i * original.dim, decoded, j * original.dim, original.dim));
    sum += Math.abs(dHat - d) / d;
    used++;
  }
  return used > 0 ? sum / used : null;
}

/** recall@k against ground truth, or null when there are fewer than k true neighbours or results. */
function recall(found: Int32Array, foundK: number, truth: Dataset['groundTruth'], nq: number, k: number): number | null {
  return k <= foundK && k <= truth.k ? recallAtK(found, foundK, truth.ids, truth.k, nq, k) : null;
}

/** Ranks the codes against every query with the quantizer's asymmetric search; single-threaded. */
function searchAdc(q: Quantizer, codes: Uint8Array, queries: Vectors, k: number): Int32Array {
  const search = q.search!;
  const ids = new Int32Array(queries.count * k);
  const scores = new Float32Array(queries.count * k);
  const dist = new Float32Array(codes.length / q.codeSize);
  for (let i = 0; i < queries.count; i++) {
    const table = search.prepare(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim), 'l2');
    table.distances(codes, dist);
    topK(dist, k, true, ids.subarray(i * k, (i + 1) * k), scores.subarray(i * k, (i + 1) * k));
  }
  return ids;
}

export interface MeasureOptions {
  readonly seed: number;
  /** Called with 'fit', 'fit 40%', 'encode', ...: feeds the progress bar. */
  readonly onPhase?: (phase: string) => void;
}

/**
 * Fits on the base set, encodes and decodes it, searches the queries and computes every metric
 * of docs/metrics.md. Timings are wall-clock on this thread.
 */
export async function measure(quantizer: Quantizer, dataset: Dataset, { seed, onPhase }: MeasureOptions): Promise<Metrics> {
  const { base, queries, groundTruth } = dataset;
  const k = Math.min(SEARCH_K, base.count);

  onPhase?.('fit');
  let t = now();
  let lastReport = 0;
  await quantizer.fit(base, {
    seed,
    onProgress: (fraction) => {
      // Terminal writes are synchronous, so this shows even while a synchronous fit runs; throttled.
      if (now() - lastReport < 200) return;
      lastReport = now();
      onPhase?.(`fit ${Math.round(fraction * 100)}%`);
    },
  });
  const fitMs = now() - t;

  onPhase?.('encode');
  t = now();
  const codes = quantizer.encode(base);
  const encodeMs = now() - t;

  onPhase?.('decode');
  t = now();
  const decoded = quantizer.decode(codes);
  const decodeMs = now() - t;

  onPhase?.('metrics');
  const mse = meanSquaredError(base, decoded);
  const norms = squaredNorms(base.data, base.count, base.dim);
  let meanNorm = 0;
  for (const n of norms) meanNorm += n / base.count;

  // Recall by decoded vectors: exact search among the reconstructions.
  onPhase?.('search');
  t = now();
  const decodedKnn = exactKnn(decoded, base.count, queries.data, queries.count, base.dim, k, 'l2');
  const decodedSearchMs = now() - t;

  let adcIds: Int32Array | undefined;
  let adcMs: number | undefined;
  if (quantizer.search && quantizer.search.metrics.includes('l2')) {
    t = now();
    adcIds = searchAdc(quantizer, codes, queries, k);
    adcMs = now() - t;
  }
  const searchMs = adcMs ?? decodedSearchMs;

  const codeBytes = quantizer.codeSize;
  const modelBytes = quantizer.modelBytes();
  const rawBytes = base.count * base.dim * 4;
  return {
    n_base: base.count,
    n_queries: queries.count,
    dim: base.dim,
    code_bytes: codeBytes,
    bits_per_vector: codeBytes * 8,
    model_bytes: modelBytes,
    compression_codes: (base.dim * 4) / codeBytes,
    compression_total: rawBytes / (base.count * codeBytes + modelBytes),
    mse,
    relative_mse: meanNorm > 0 ? mse / meanNorm : null,
    distance_distortion: distanceDistortion(base, decoded, seed),
    recall1_adc: adcIds ? recall(adcIds, k, groundTruth, queries.count, 1) : null,
    recall10_adc: adcIds ? recall(adcIds, k, groundTruth, queries.count, 10) : null,
    recall100_adc: adcIds ? recall(adcIds, k, groundTruth, queries.count, 100) : null,
    recall1_decoded: recall(decodedKnn.ids, k, groundTruth, queries.count, 1),
    recall10_decoded: recall(decodedKnn.ids, k, groundTruth, queries.count, 10),
    recall100_decoded: recall(decodedKnn.ids, k, groundTruth, queries.count, 100),
    fit_ms: fitMs,
    encode_ms: encodeMs,
    decode_ms: decodeMs,
    search_ms: searchMs,
    qps: searchMs > 0 ? queries.count / (searchMs / 1000) : null,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    search_kind: adcIds ? 'adc' : 'decoded',
  };
}
