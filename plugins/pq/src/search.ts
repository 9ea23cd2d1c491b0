import type { Metric } from '@reef/core';
import { topK } from '@reef/kernels';
import { scanCodes } from './adc.js';
import type { ProductCodebooks } from './codebooks.js';

/**
 * Top-k asymmetric search of nq queries against all codes on the calling thread: per query one
 * lookup table, one scan, one bounded heap. Smallest distances first for 'l2', largest inner
 * products first for 'ip'.
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
  const dists = new Float32Array(n);
  for (let q = 0; q < nq; q++) {
    books.lookupTable(queries.subarray(q * dim, (q + 1) * dim), metric, table);
    scanCodes(table, books.k, books.m, books.nbits, codes, n, dists);
    topK(dists, topk, metric === 'l2', ids.subarray(q * topk, (q + 1) * topk), scores.subarray(q * topk, (q + 1) * topk));
  }
  return { ids, scores };
}
