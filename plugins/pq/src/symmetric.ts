import { assertCodes, ReefError, type Metric } from '@reef/core';
import { dot, l2sqr, unpackRows } from '@reef/kernels';
import type { ProductCodebooks } from './codebooks.js';

/** Above this many centroids a K × K table per sub-space costs more than it saves. */
const MAX_TABLE_K = 1024;

/**
 * Symmetric distance computation (SDC): distances between two codes, both quantized, as the sum
 * over sub-spaces of centroid-to-centroid distances. It equals the distance between the two
 * decoded vectors (squared L2, or inner product for 'ip'). Tables are built once per metric and
 * reused; for K > 1024 the distances are computed from the centroids directly.
 */
export class SymmetricDistance {
  private readonly tables: Float32Array[] | undefined;

  constructor(
    private readonly books: ProductCodebooks,
    readonly metric: Metric = 'l2',
  ) {
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `pq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    this.tables = books.k <= MAX_TABLE_K ? Array.from({ length: books.m }, (_, j) => books.pairTable(j, metric)) : undefined;
  }

  /** Distance between code `a` and each code in `codes`. */
  distances(a: Uint8Array, codes: Uint8Array, out?: Float32Array): Float32Array {
    const { books } = this;
    if (assertCodes(a, books.codeSize) !== 1) throw new ReefError('BAD_CODES', `pq: expected one ${books.codeSize}-byte code, got ${a.length} bytes`);
    const n = assertCodes(codes, books.codeSize);
    const m = books.m;
    const k = books.k;
    const left = unpackRows(a, 1, m, books.nbits);
    const right = unpackRows(codes, n, m, books.nbits);
    const result = out ?? new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += this.pair(j, left[j], right[i * m + j], k);
      result[i] = s;
    }
    return result;
  }

  private pair(j: number, a: number, b: number, k: number): number {
    if (this.tables) return this.tables[j][a * k + b];
    const dj = this.books.subDim(j);
    const book = this.books.codebook(j);
    let s = 0;
    for (let t = 0; t < dj; t++) {
      const x = book[a * dj + t];
      const y = book[b * dj + t];
      s += this.metric === 'l2' ? (x - y) * (x - y) : x * y;
    }
    return s;
  }
}

/**
 * Symmetric distance between two single codes of the same product quantizer, straight from the
 * centroids (no tables): for many pairs, build a SymmetricDistance once instead.
 */
export function symmetricDistance(books: ProductCodebooks, a: Uint8Array, b: Uint8Array, metric: Metric = 'l2'): number {
  for (const [name, code] of [['a', a], ['b', b]] as const) {
    if (assertCodes(code, books.codeSize) !== 1) throw new ReefError('BAD_CODES', `pq: code ${name} should be one ${books.codeSize}-byte code, got ${code.length} bytes`);
  }
  if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `pq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
  const m = books.m;
  const la = unpackRows(a, 1, m, books.nbits);
  const lb = unpackRows(b, 1, m, books.nbits);
  let s = 0;
  for (let j = 0; j < m; j++) {
    const dj = books.subDim(j);
    const book = books.codebook(j);
    s += metric === 'l2' ? l2sqr(book, la[j] * dj, book, lb[j] * dj, dj) : dot(book, la[j] * dj, book, lb[j] * dj, dj);
  }
  return s;
}
