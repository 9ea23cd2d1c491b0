import type { Metric } from '@reef/core';
import { blockCodes, FastScanKernel, quantizeTable, scanCodes, topK, type TableQuantization } from '@reef/kernels';
import type { ProductCodebooks } from './codebooks.js';

/** Queries whose tables go to the kernel together (it scans them two at a time). */
const QUERY_BATCH = 16;

/**
 * Top-k fast-scan search of 4-bit PQ codes on one thread: per query a float lookup table (the
 * codebooks'), quantised to u8; the kernel keeps the best k × kFactor codes by u16 sums, and with
 * kFactor > 1 that shortlist is re-ranked by exact float ADC (the sums scanCodes gives, as PQ's own
 * search). Holds the codes in its kernel: make one per thread.
 */
export class FastScanSearch {
  private readonly kernel: FastScanKernel;
  private readonly n: number;

  constructor(
    private readonly books: ProductCodebooks,
    private readonly codes: Uint8Array,
    blocked: Uint8Array,
  ) {
    this.n = codes.length / books.codeSize;
    this.kernel = new FastScanKernel(books.m);
    this.kernel.loadCodes(blocked, this.n);
  }

  /** Queries q0..q1-1 (rows of the codebooks' dimension); query q's results go to ids/scores at q × topk. */
  searchRange(queries: Float32Array, q0: number, q1: number, topk: number, kFactor: number, metric: Metric, ids: Int32Array, scores: Float32Array): void {
    const { books, n } = this;
    const { m } = books;
    const { dim } = books.layout;
    const rerank = kFactor > 1;
    const cap = rerank ? Math.max(topk, Math.min(n, topk * kFactor)) : topk;
    const tables = new Float32Array(QUERY_BATCH * m * 16);
    const luts = new Uint8Array(QUERY_BATCH * m * 16);
    const quant: TableQuantization[] = [];
    const shortIds = new Int32Array(QUERY_BATCH * cap);
    const shortSums = new Int32Array(QUERY_BATCH * cap);
    for (let s = q0; s < q1; s += QUERY_BATCH) {
      const nq = Math.min(QUERY_BATCH, q1 - s);
      books.lookupTables(queries.subarray(s * dim, (s + nq) * dim), nq, metric, tables);
      for (let i = 0; i < nq; i++) {
        const table = tables.subarray(i * m * 16, (i + 1) * m * 16);
        quant[i] = quantizeTable(table, m, luts.subarray(i * m * 16), metric === 'ip');
      }
      this.kernel.nearest(luts, nq, cap, shortIds, shortSums);
      for (let i = 0; i < nq; i++) {
        const q = s + i;
        const outIds = ids.subarray(q * topk, (q + 1) * topk);
        const outScores = scores.subarray(q * topk, (q + 1) * topk);
        const found = shortIds.subarray(i * cap, (i + 1) * cap);
        if (rerank) this.rerank(tables.subarray(i * m * 16, (i + 1) * m * 16), found, metric, outIds, outScores);
        else {
          const { scale, bias } = quant[i];
          const sign = metric === 'ip' ? -1 : 1;
          for (let r = 0; r < topk; r++) {
            outIds[r] = found[r];
            outScores[r] = found[r] < 0 ? NaN : sign * (shortSums[i * cap + r] / scale + bias);
          }
        }
      }
    }
  }

  /** The best of a shortlist by exact ADC (float table sums, as PQ's scan), ties to the lower id. */
  private rerank(table: Float32Array, shortlist: Int32Array, metric: Metric, ids: Int32Array, scores: Float32Array): void {
    const size = this.books.codeSize;
    const candidates = Int32Array.from(shortlist.filter((id) => id >= 0)).sort();
    const gathered = new Uint8Array(candidates.length * size);
    candidates.forEach((id, r) => gathered.set(this.codes.subarray(id * size, (id + 1) * size), r * size));
    const exact = scanCodes(table, 16, this.books.m, 4, gathered, candidates.length);
    const best = topK(exact, Math.min(ids.length, candidates.length), metric === 'l2');
    for (let r = 0; r < ids.length; r++) {
      ids[r] = r < best.ids.length ? candidates[best.ids[r]] : -1;
      scores[r] = r < best.ids.length ? best.scores[r] : NaN;
    }
  }
}

/** What one fast-scan batch needs; searchHere and fastScanInWorkers take it apart. */
export interface FastScanBatch {
  readonly books: ProductCodebooks;
  readonly queries: Float32Array;
  readonly nq: number;
  readonly codes: Uint8Array;
  readonly n: number;
  readonly topk: number;
  readonly kFactor: number;
  readonly metric: Metric;
}

/** A fast-scan batch on the calling thread. */
export function searchHere(job: FastScanBatch): { ids: Int32Array; scores: Float32Array } {
  const ids = new Int32Array(job.nq * job.topk);
  const scores = new Float32Array(job.nq * job.topk);
  const search = new FastScanSearch(job.books, job.codes, blockCodes(job.codes, job.n, job.books.m));
  search.searchRange(job.queries, 0, job.nq, job.topk, job.kFactor, job.metric, ids, scores);
  return { ids, scores };
}
