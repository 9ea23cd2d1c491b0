import type { Metric } from '@reef/core';
import type { ProductCodebooks } from './codebooks.js';

/**
 * Top-k asymmetric search against one set of codes: per query one lookup table, then one pass over
 * the codes that keeps only the best k (a bounded heap). Smallest distances first for 'l2', largest
 * inner products first for 'ip'. The codes are copied into the codebooks' scanner once, when this
 * is made, and every query after that scans them there (in WASM for 8-bit codes, the scan keeping
 * the heap itself). Holds the codebooks' scanner: one per thread.
 */
export class CodeSearch {
  private readonly table: Float32Array;

  constructor(
    private readonly books: ProductCodebooks,
    codes: Uint8Array,
  ) {
    this.table = new Float32Array(books.m * books.k);
    books.scanner.loadCodes(codes);
  }

  /**
   * Queries q0..q1-1 of `queries` (rows of the codebooks' dimension); query q's results go to
   * ids/scores at q × topk.
   */
  searchRange(queries: Float32Array, q0: number, q1: number, topk: number, metric: Metric, ids: Int32Array, scores: Float32Array): void {
    const { books, table } = this;
    const { dim } = books.layout;
    const ascending = metric === 'l2';
    for (let q = q0; q < q1; q++) {
      books.lookupTable(queries.subarray(q * dim, (q + 1) * dim), metric, table);
      const qIds = ids.subarray(q * topk, (q + 1) * topk);
      const qScores = scores.subarray(q * topk, (q + 1) * topk);
      books.scanner.nearest(table, topk, ascending, qIds, qScores);
    }
  }
}

/** Top-k asymmetric search of nq queries against all codes on the calling thread (see CodeSearch). */
export function searchSequential(
  books: ProductCodebooks,
  queries: Float32Array,
  nq: number,
  codes: Uint8Array,
  topk: number,
  metric: Metric,
): { ids: Int32Array; scores: Float32Array } {
  const ids = new Int32Array(nq * topk);
  const scores = new Float32Array(nq * topk);
  new CodeSearch(books, codes).searchRange(queries, 0, nq, topk, metric, ids, scores);
  return { ids, scores };
}
