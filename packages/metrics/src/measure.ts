import type { Quantizer, Vectors } from '@reef/core';
import { distanceDistortion, meanSquaredError, relativeMeanSquaredError } from './reconstruction.js';
import { hasAsymmetricL2, recallAt, searchAsymmetric, searchDecoded, type Ranking, type TrueNeighbours } from './recall.js';
import { sizeMetrics } from './size.js';

/** How many neighbours each search returns: enough for recall@100. */
export const SEARCH_K = 100;

/** What a measurement needs: `@reef/datasets`' `Dataset` has this shape. */
export interface MeasuredData {
  /** The vectors to fit, encode and decode. */
  readonly base: Vectors;
  /** Held-out queries. */
  readonly queries: Vectors;
  /** True neighbours of each query among the base vectors. */
  readonly groundTruth: TrueNeighbours;
}

/** Every column of docs/metrics.md a single thread can measure (the sweep adds `peak_rss_mb`). */
export interface Measurement {
  readonly n_base: number;
  readonly n_queries: number;
  readonly dim: number;
  readonly code_bytes: number;
  readonly bits_per_vector: number;
  readonly model_bytes: number;
  readonly compression_codes: number;
  readonly compression_total: number;
  readonly mse: number;
  readonly relative_mse: number | null;
  readonly distance_distortion: number | null;
  readonly recall1_adc: number | null;
  readonly recall10_adc: number | null;
  readonly recall100_adc: number | null;
  readonly recall1_decoded: number | null;
  readonly recall10_decoded: number | null;
  readonly recall100_decoded: number | null;
  readonly fit_ms: number;
  readonly encode_ms: number;
  readonly decode_ms: number;
  /** The ADC search when the quantizer has one, else the search among decoded vectors. */
  readonly search_ms: number;
  readonly qps: number | null;
  readonly search_kind: 'adc' | 'decoded';
}

export interface MeasureOptions {
  /** Seed of the fit and of the distortion pairs. */
  readonly seed: number;
  /** Called with 'fit', 'encode', ... as each phase starts, and with the fit's fraction as it trains: feeds a progress display. */
  readonly onPhase?: (phase: string, fraction?: number) => void;
}

const now = (): number => performance.now();

/**
 * Fits the quantizer on the base set, encodes and decodes it, searches the queries and computes
 * every metric of docs/metrics.md. Timings are wall-clock on this thread.
 */
export async function measureQuantizer(quantizer: Quantizer, data: MeasuredData, { seed, onPhase }: MeasureOptions): Promise<Measurement> {
  const { base, queries, groundTruth } = data;
  const k = Math.min(SEARCH_K, base.count);

  onPhase?.('fit'); // no fraction until the plugin reports one: shown as time spent, not as 0%
  let t = now();
  let lastReport = 0;
  await quantizer.fit(base, {
    seed,
    onProgress: (fraction) => {
      // Terminal writes are synchronous, so this shows even while a synchronous fit runs; throttled.
      if (now() - lastReport < 200) return;
      lastReport = now();
      onPhase?.('fit', fraction);
    },
  });
  // A method running in another process (a baseline) times its library calls itself; its figure
  // replaces the host's clock, which would include process start-up and data transfer.
  const fitMs = quantizer.selfTimings?.fitMs ?? now() - t;

  onPhase?.('encode');
  t = now();
  const codes = quantizer.encode(base);
  const encodeMs = quantizer.selfTimings?.encodeMs ?? now() - t;

  onPhase?.('decode');
  t = now();
  const decoded = quantizer.decode(codes);
  const decodeMs = quantizer.selfTimings?.decodeMs ?? now() - t;

  onPhase?.('metrics');
  const mse = meanSquaredError(base, decoded);

  onPhase?.('search');
  t = now();
  const byDecoded = searchDecoded(decoded, base.count, queries, k);
  const decodedSearchMs = now() - t;

  let byAdc: Ranking | undefined;
  let adcMs: number | undefined;
  if (hasAsymmetricL2(quantizer)) {
    const batch = quantizer.search?.searchBatch;
    if (batch) {
      // All queries in one call, timed by the method around its search alone (see SelfTimings).
      const result = batch.call(quantizer.search, codes, queries, k, 'l2');
      byAdc = { ids: result.ids, k: result.k };
      adcMs = result.searchMs;
    } else {
      t = now();
      byAdc = searchAsymmetric(quantizer, codes, queries, k);
      adcMs = now() - t;
    }
  }
  const searchMs = adcMs ?? decodedSearchMs;
  const size = sizeMetrics(base.count, base.dim, quantizer.codeSize, quantizer.modelBytes());
  const recall = (found: Ranking | undefined, at: number): number | null => (found ? recallAt(found, groundTruth, queries.count, at) : null);

  return {
    n_base: base.count,
    n_queries: queries.count,
    dim: base.dim,
    code_bytes: size.codeBytes,
    bits_per_vector: size.bitsPerVector,
    model_bytes: size.modelBytes,
    compression_codes: size.compressionCodes,
    compression_total: size.compressionTotal,
    mse,
    relative_mse: relativeMeanSquaredError(mse, base),
    distance_distortion: distanceDistortion(base, decoded, seed),
    recall1_adc: recall(byAdc, 1),
    recall10_adc: recall(byAdc, 10),
    recall100_adc: recall(byAdc, 100),
    recall1_decoded: recall(byDecoded, 1),
    recall10_decoded: recall(byDecoded, 10),
    recall100_decoded: recall(byDecoded, 100),
    fit_ms: fitMs,
    encode_ms: encodeMs,
    decode_ms: decodeMs,
    search_ms: searchMs,
    qps: searchMs > 0 ? queries.count / (searchMs / 1000) : null,
    search_kind: byAdc ? 'adc' : 'decoded',
  };
}
