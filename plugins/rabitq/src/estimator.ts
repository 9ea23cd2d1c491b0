import { assertCodes, assertQuery, type CodeDistances, type Metric } from '@reef/core';
import { topK, unpackValues } from '@reef/kernels';
import { quantiseQuery, scanBits } from './bit-scan.js';
import { bitsDot, fastScanQuery, scanFast } from './fast-scan.js';
import type { Factors } from './layout.js';
import type { RaBitQModel } from './model.js';

export const QUERY_MODES = ['fastscan', '4bit', 'float'] as const;
export type QueryMode = (typeof QUERY_MODES)[number];
export const RANKINGS = ['unbiased', 'decoded'] as const;
export type Ranking = (typeof RANKINGS)[number];

/** How `distances` scores codes; `estimate` always gives the unbiased float estimate with its bound. */
export interface EstimateOptions {
  /**
   * 1-bit codes: 'fastscan' scans u8 tables over 4-bit groups of code bits (default), '4bit'
   * quantises the query for the popcount scan, 'float' keeps it exact (the exact estimator).
   */
  readonly query?: QueryMode;
  /** 'fastscan': how many of the best codes per query are re-scored with the float query (0: none). */
  readonly rerank?: number;
  /**
   * 'unbiased' (default): ‖r‖² + ‖q − c‖² − 2·inner (l2), ⟨q, c⟩ + inner (ip). 'decoded': the same
   * terms with the residual parts scaled by ip², i.e. the distance to decode()'s vector.
   */
  readonly ranking?: Ranking;
}

/** Estimated distances plus, per code, the half-width of the interval that holds the true value with high probability. */
export interface EstimatesWithBounds {
  readonly estimates: Float32Array;
  readonly bounds: Float32Array;
}

export interface RaBitQEstimator extends CodeDistances {
  readonly metric: Metric;
  /** Unbiased estimates (squared L2 or inner product) and their error bounds. */
  estimate(codes: Uint8Array): EstimatesWithBounds;
}

/**
 * The RaBitQ estimator for one query. With residual r = o − c, codeword direction x/‖x‖ and the
 * query mapped to q' = q_c · P (q_c = q − c for 'l2', q for 'ip'):
 *
 *   ⟨r, q_c⟩ ≈ ‖r‖ · ⟨x, q'⟩ / (‖x‖ · ip) = rescale · ⟨x, q'⟩          (unbiased over the rotation)
 *   |error| ≤ ‖r‖ · ‖q_c‖ · √((1 − ip²)/ip²) · ε₀ / √(dim − 1)         (with high probability)
 *
 * 'l2' returns ‖r‖² + ‖q − c‖² − 2⟨r, q − c⟩ (bound doubled); 'ip' returns ⟨q, c⟩ + ⟨r, q⟩.
 * ⟨x, q'⟩ = Σ u_j q'_j − offset · Σ q'_j, and Σ u_j q'_j is read from one 256-entry table per
 * code byte when a byte holds whole values (1, 2, 4 or 8 bits), as in PQ fast scan.
 */
export function prepareEstimator(model: RaBitQModel, query: Float32Array, metric: Metric, epsilon: number, options: EstimateOptions = {}): RaBitQEstimator {
  const dim = model.dim;
  assertQuery(query, dim);
  const { centroid, layout, bits } = model;
  const qc = new Float64Array(dim);
  let base = 0;
  for (let j = 0; j < dim; j++) {
    qc[j] = metric === 'l2' ? query[j] - centroid[j] : query[j];
    if (metric === 'ip') base += query[j] * centroid[j];
  }
  let qNormSq = 0;
  for (let j = 0; j < dim; j++) qNormSq += qc[j] * qc[j];
  if (metric === 'l2') base = qNormSq;
  const qNorm = Math.sqrt(qNormSq);
  const qr = model.rotate(qc, new Float64Array(dim));
  let sumQ = 0;
  for (let j = 0; j < dim; j++) sumQ += qr[j];
  const shiftTerm = model.valueOffset * sumQ;
  const boundScale = (qNorm * epsilon) / Math.sqrt(dim - 1);
  // Built on first use: the popcount scan of 1-bit codes needs no table unless estimate() is called.
  let scanner: Scanner | undefined;
  const sumUq: Scanner = (codes, offset) => {
    scanner ??= 8 % bits === 0 ? tableScanner(qr, bits, layout.valueBytes) : unpackScanner(qr, bits);
    return scanner(codes, offset);
  };
  const factors: Factors = { norm: 0, rescale: 0, ip: 0 };

  const shrink = options.ranking === 'decoded';
  // The paper's popcount scan for 1-bit codes; the 4-bit query is made once per query.
  const queryMode = options.query ?? 'fastscan';
  const bitQuery = bits === 1 && queryMode === '4bit' ? quantiseQuery(qr, layout.valueBytes) : undefined;
  // The fast-scan tables (u8, 4 code bits per table); the float query re-scores its shortlist.
  const fastQuery = bits === 1 && queryMode === 'fastscan' ? fastScanQuery(qr, layout.valueBytes) : undefined;
  const rerank = options.rerank ?? 0;

  const run = (codes: Uint8Array, out: Float32Array, bounds?: Float32Array) => {
    const count = assertCodes(codes, layout.codeSize);
    const view = layout.view(codes);
    for (let i = 0; i < count; i++) {
      const { norm, rescale, ip } = layout.readFactors(codes, i, factors, view);
      const inner = rescale * (sumUq(codes, i * layout.codeSize) - shiftTerm);
      if (shrink && !bounds) {
        const w = ip * ip;
        out[i] = metric === 'l2' ? base + w * (norm * norm - 2 * inner) : base + w * inner;
      } else {
        out[i] = metric === 'l2' ? norm * norm + base - 2 * inner : base + inner;
      }
      if (bounds) {
        const b = norm * boundScale * Math.sqrt(Math.max(0, 1 - ip * ip)) / ip;
        bounds[i] = metric === 'l2' ? 2 * b : b;
      }
    }
    return count;
  };

  /** The float-query score of 1-bit code i (run()'s, the sum taken bit by bit: no table to build). */
  const exactScore = (codes: Uint8Array, i: number, view: DataView): number => {
    const { norm, rescale, ip } = layout.readFactors(codes, i, factors, view);
    const inner = rescale * (bitsDot(codes, i * layout.codeSize, qr) - shiftTerm);
    const w = shrink ? ip * ip : 1;
    return metric === 'l2' ? (shrink ? base + w * (norm * norm - 2 * inner) : norm * norm + base - 2 * inner) : base + w * inner;
  };
  /** The best `rerank` fast-scan scores replaced by exact ones: the top of the ranking is the exact estimator's. */
  const rescore = (codes: Uint8Array, count: number, scores: Float32Array) => {
    const view = layout.view(codes);
    const best = topK(scores.subarray(0, count), Math.min(rerank, count), metric === 'l2').ids;
    for (const i of best) scores[i] = exactScore(codes, i, view);
  };

  return {
    metric,
    distances(codes: Uint8Array, out?: Float32Array): Float32Array {
      const count = assertCodes(codes, layout.codeSize);
      const result = out ?? new Float32Array(count);
      if (fastQuery) {
        const mode = { l2: metric === 'l2', shrink, base };
        const bad = scanFast(codes, count, layout.codeSize, layout.valueBytes, fastQuery, shiftTerm, mode, result);
        if (bad >= 0) layout.readFactors(codes, bad, factors); // throws BAD_CODES naming the code and value
        if (rerank > 0) rescore(codes, count, result);
        return result;
      }
      if (bitQuery) {
        const bad = scanBits(codes, count, layout.codeSize, layout.valueBytes, bitQuery, { l2: metric === 'l2', shrink, base }, result);
        if (bad >= 0) layout.readFactors(codes, bad, factors); // throws BAD_CODES naming the code and value
        return result;
      }
      run(codes, result);
      return result;
    },
    estimate(codes: Uint8Array): EstimatesWithBounds {
      const count = assertCodes(codes, layout.codeSize);
      const estimates = new Float32Array(count);
      const bounds = new Float32Array(count);
      run(codes, estimates, bounds);
      return { estimates, bounds };
    },
  };
}

type Scanner = (codes: Uint8Array, offset: number) => number;

/** Σ u_j q'_j by one table lookup per code byte; tables are built once per query. */
function tableScanner(q: Float64Array, bits: number, valueBytes: number): Scanner {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const table = new Float64Array(valueBytes * 256);
  for (let p = 0; p < valueBytes; p++) {
    for (let byte = 0; byte < 256; byte++) {
      let s = 0;
      for (let k = 0; k < perByte; k++) {
        const j = p * perByte + k;
        if (j < q.length) s += ((byte >> (k * bits)) & mask) * q[j];
      }
      table[p * 256 + byte] = s;
    }
  }
  return (codes, offset) => {
    let s = 0;
    for (let p = 0; p < valueBytes; p++) s += table[p * 256 + codes[offset + p]];
    return s;
  };
}

/** Σ u_j q'_j by unpacking values that straddle bytes (3, 5, 6 or 7 bits). */
function unpackScanner(q: Float64Array, bits: number): Scanner {
  const values = new Uint32Array(q.length);
  return (codes, offset) => {
    unpackValues(codes, bits, q.length, offset, values);
    let s = 0;
    for (let j = 0; j < q.length; j++) s += values[j] * q[j];
    return s;
  };
}
