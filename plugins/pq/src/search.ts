import type { Metric } from '@reef/core';
import { topK } from '@reef/kernels';
import { scanCodes } from './adc.js';
import type { ProductCodebooks } from './codebooks.js';

/**
 * Top-k asymmetric search of nq queries against all codes on the calling thread: per query one
 * lookup table, then one pass over the codes that keeps only the best k (a bounded heap).
 * Smallest distances first for 'l2', largest inner products first for 'ip'. 8-bit codes are
 * loaded once into the WASM scanner, whose scan keeps the heap itself; other widths scan in JS.
 */
export function searchSequential(
  books: ProductCodebooks,
  queries: Float32Array,
  nq: number,
  codes: Uint8Array,
  topk: number,
  metric: Metric,
): { ids: Int32Array; scores: Float32Array } {
  const { dim } = books.layout;
  const n = codes.length / books.codeSize;
  const ids = new Int32Array(nq * topk);
  const scores = new Float32Array(nq * topk);
  const table = new Float32Array(books.m * books.k);
  const ascending = metric === 'l2';
  const bytewise = books.nbits === 8;
  if (bytewise) books.scanner.loadCodes(codes);
  const dists = bytewise ? undefined : new Float32Array(n);
  for (let q = 0; q < nq; q++) {
    books.lookupTable(queries.subarray(q * dim, (q + 1) * dim), metric, table);
    const qIds = ids.subarray(q * topk, (q + 1) * topk);
    const qScores = scores.subarray(q * topk, (q + 1) * topk);
    if (dists) topK(scanCodes(table, books.k, books.m, books.nbits, codes, n, dists), topk, ascending, qIds, qScores);
    else books.scanner.nearest(table, topk, ascending, qIds, qScores);
  }
  return { ids, scores };
}
