import { ReefError, type Quantizer, type Vectors } from '@reef/core';
import { exactKnn, recallAtK, topK } from '@reef/kernels';

/** True neighbours of each query, `k` ids per query, best first (a dataset's ground truth). */
export interface TrueNeighbours {
  readonly ids: Int32Array;
  readonly k: number;
}

/** Search results: `k` ids per query, best first. */
export interface Ranking {
  readonly ids: Int32Array;
  readonly k: number;
}

/**
 * The quantizer's asymmetric search (`search.prepare(q, 'l2').distances(codes)` then top-k), one
 * query after another on this thread. Ties go to the lower id, so the first k of a top-100 equal a top-k.
 */
export function searchAsymmetric(quantizer: Quantizer, codes: Uint8Array, queries: Vectors, k: number): Ranking {
  const search = quantizer.search;
  if (!search) throw new ReefError('UNSUPPORTED', 'this quantizer has no asymmetric search (quantizer.search); rank decoded vectors with searchDecoded instead');
  const ids = new Int32Array(queries.count * k);
  const scores = new Float32Array(queries.count * k);
  const dist = new Float32Array(codes.length / quantizer.codeSize);
  for (let i = 0; i < queries.count; i++) {
    const table = search.prepare(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim), 'l2');
    table.distances(codes, dist);
    topK(dist, k, true, ids.subarray(i * k, (i + 1) * k), scores.subarray(i * k, (i + 1) * k));
  }
  return { ids, k };
}

/** Exact L2 search among decoded vectors (`x̂_i`). */
export function searchDecoded(decoded: Float32Array, count: number, queries: Vectors, k: number): Ranking {
  return { ids: exactKnn(decoded, count, queries.data, queries.count, queries.dim, k, 'l2').ids, k };
}

/** True when the quantizer can rank codes by asymmetric L2 distance. */
export function hasAsymmetricL2(quantizer: Quantizer): boolean {
  return quantizer.search !== undefined && quantizer.search.metrics.includes('l2');
}

/**
 * recall@k = (1/Q) Σ_j |R_j(k) ∩ T_j(k)| / k; null when the ranking or the truth has fewer than
 * k neighbours per query (e.g. recall@100 against a file with 10).
 */
export function recallAt(found: Ranking, truth: TrueNeighbours, queryCount: number, k: number): number | null {
  return k <= found.k && k <= truth.k ? recallAtK(found.ids, found.k, truth.ids, truth.k, queryCount, k) : null;
}
