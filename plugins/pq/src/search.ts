import type { Metric } from '@reef/core';
import type { ProductCodebooks } from './codebooks.js';

/** Queries whose lookup tables are built together (one matrix product per sub-space). */
const QUERY_BATCH = 16;

/**
 * Top-k asymmetric search against one set of codes: per query one lookup table, then one pass over
 * the codes that keeps only the best k (a bounded heap). Smallest distances first for 'l2', largest
 * inner products first for 'ip'. The codes are copied into the codebooks' scanner once, when this
 * is made, and every query after that scans them there (in WASM for 8-bit codes, the scan keeping
 * the heap itself). Holds the codebooks' scanner: one per thread.
 */
export class CodeSearch {
  private readonly tables: Float32Array;

  constructor(
    private readonly books: ProductCodebooks,
    codes: Uint8Array,
  ) {
    this.tables = new Float32Array(QUERY_BATCH * books.m * books.k);
    books.scanner.loadCodes(codes);
  }

  /**
   * Queries q0..q1-1 of `queries` (rows of the codebooks' dimension); query q's results go to
   * ids/scores at q × topk.
   */
  searchRange(queries: Float32Array, q0: number, q1: number, topk: number, metric: Metric, ids: Int32Array, scores: Float32Array): void {
    const { books, tables } = this;
    const { dim } = books.layout;
    const size = books.m * books.k;
    const ascending = metric === 'l2';
    for (let s = q0; s < q1; s += QUERY_BATCH) {
      const nq = Math.min(QUERY_BATCH, q1 - s);
      books.lookupTables(queries.subarray(s * dim, (s + nq) * dim), nq, metric, tables);
      for (let q = s; q < s + nq; q++) {
        const qIds = ids.subarray(q * topk, (q + 1) * topk);
        const qScores = scores.subarray(q * topk, (q + 1) * topk);
        books.scanner.nearest(tables.subarray((q - s) * size, (q - s + 1) * size), topk, ascending, qIds, qScores);
      }
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
