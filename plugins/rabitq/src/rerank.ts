import { ReefError, type Metric } from '@reef/core';
import { dot, l2sqr, topK } from '@reef/kernels';
import type { RaBitQuantizer } from './quantizer.js';

export interface RerankOptions {
  /** Neighbours to return. */
  readonly k: number;
  /** 'l2' (default) or 'ip'. */
  readonly metric?: Metric;
  /**
   * 'none': rank by the estimate alone.
   * 'bound': RaBitQ's re-ranking: visit codes by optimistic bound (estimate − bound for l2) and
   *          compute the exact distance only while that bound can still beat the k-th best exact
   *          distance; with ε₀ = 1.9 it returns the true top k with high probability.
   * 'exact': compute exact distances for the `candidates` best estimates.
   * Default: 'bound' when `vectors` are given, otherwise 'none'.
   */
  readonly rerank?: 'none' | 'bound' | 'exact';
  /** For 'exact': how many of the best estimates are re-ranked (default 10·k). */
  readonly candidates?: number;
  /** The original vectors, row-major, in the same order as the codes ('bound' and 'exact' need them). */
  readonly vectors?: Float32Array;
}

export interface RerankResult {
  /** Code indices, best first. */
  readonly ids: Int32Array;
  /** Their distances: exact where re-ranked, estimated otherwise. */
  readonly scores: Float32Array;
  /** How many exact distances were computed. */
  readonly exactComputed: number;
}

/** k nearest codes to `query`, optionally re-ranked with exact distances to `vectors`. */
export function searchWithReranking(quantizer: RaBitQuantizer, codes: Uint8Array, query: Float32Array, options: RerankOptions): RerankResult {
  const metric = options.metric ?? 'l2';
  const mode = options.rerank ?? (options.vectors ? 'bound' : 'none');
  const { k } = options;
  if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `k must be a positive integer, got ${k}`);
  const estimator = quantizer.prepare(query, metric);
  const { estimates, bounds } = estimator.estimate(codes);
  const n = estimates.length;
  const ascending = metric === 'l2';
  if (mode === 'none') {
    const best = topK(estimates, k, ascending);
    return { ids: best.ids, scores: best.scores, exactComputed: 0 };
  }
  const dim = quantizer.dim;
  const vectors = options.vectors;
  if (!(vectors instanceof Float32Array) || vectors.length !== n * dim) {
    throw new ReefError('INVALID_PARAM', `re-ranking '${mode}' needs the ${n} original vectors (${n * dim} floats), got ${vectors ? vectors.length : 'none'}`);
  }
  // Work with "smaller is better" scores for both metrics.
  const sign = ascending ? 1 : -1;
  const exact = (i: number) => (metric === 'l2' ? l2sqr(query, 0, vectors, i * dim, dim) : dot(query, 0, vectors, i * dim, dim));

  let order: ArrayLike<number>;
  if (mode === 'exact') {
    order = topK(estimates, Math.min(n, options.candidates ?? 10 * k), ascending).ids;
  } else {
    const optimistic = new Float64Array(n);
    for (let i = 0; i < n; i++) optimistic[i] = sign * estimates[i] - bounds[i];
    order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => optimistic[a] - optimistic[b] || a - b);
    const kept: { id: number; score: number }[] = [];
    let computed = 0;
    for (let t = 0; t < order.length; t++) {
      const i = order[t];
      if (kept.length === k && optimistic[i] >= kept[k - 1].score) break; // no later code can enter
      const score = sign * exact(i);
      computed++;
      if (kept.length < k || score < kept[k - 1].score) {
        kept.push({ id: i, score });
        kept.sort((a, b) => a.score - b.score || a.id - b.id);
        if (kept.length > k) kept.pop();
      }
    }
    return finish(kept, k, sign, computed);
  }
  const kept = Array.from(order, (id) => ({ id, score: sign * exact(id) })).filter((c) => c.id >= 0);
  kept.sort((a, b) => a.score - b.score || a.id - b.id);
  return finish(kept.slice(0, k), k, sign, kept.length);
}

function finish(kept: { id: number; score: number }[], k: number, sign: number, computed: number): RerankResult {
  const ids = new Int32Array(k).fill(-1);
  const scores = new Float32Array(k).fill(NaN);
  kept.forEach((c, r) => {
    ids[r] = c.id;
    scores[r] = sign * c.score;
  });
  return { ids, scores, exactComputed: computed };
}
