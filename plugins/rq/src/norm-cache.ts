import type { Codebooks } from './codebooks.js';
import { unpackCode } from './codes.js';

/**
 * ‖decoded‖² of every code in the batch last scanned. The norm depends on the code only, not on
 * the query, yet costs L(L−1)/2 scattered table reads; a search scans the same codes once per
 * query, so computing the norms once and reusing them makes each later scan L reads per code.
 * The cache keeps its own copy of the codes and reuses the norms only when the batch is byte for
 * byte the same (a comparison far cheaper than the recomputation), so it can never go stale.
 */
export class NormCache {
  private codes: Uint8Array | undefined;
  private norms: Float64Array | undefined;

  constructor(
    private readonly books: Codebooks,
    private readonly nbits: number,
    private readonly codeSize: number,
  ) {}

  /** The norms of the n codes in `codes` (validated by the caller). */
  normsOf(codes: Uint8Array, n: number): Float64Array {
    if (this.norms && this.codes && sameBytes(this.codes, codes)) return this.norms;
    const { books, nbits, codeSize } = this;
    const norms = new Float64Array(n);
    const indices = new Uint32Array(books.stages);
    for (let i = 0; i < n; i++) {
      unpackCode(codes, i, books.stages, nbits, codeSize, indices);
      norms[i] = books.decodedNorm(indices);
    }
    this.codes = codes.slice();
    this.norms = norms;
    return norms;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
