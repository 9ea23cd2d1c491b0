import { assertCodes, assertQuery, ReefError, type AsymmetricSearch, type CodeDistances, type Metric } from '@reef/core';
import { dot } from '@reef/kernels';
import type { Codebooks } from './codebooks.js';
import { unpackCode } from './codes.js';
import { NormCache } from './norm-cache.js';

/**
 * Asymmetric distance for RQ. Per query, one table of ⟨q, c_{m,k}⟩ for every stage and codeword;
 * then per code:
 *   ip: ⟨q, decoded⟩ = Σ_m table[m, a_m]
 *   l2: ‖q − decoded‖² = ‖q‖² − 2 Σ_m table[m, a_m] + ‖decoded‖²
 * The norm term is recomputed from the code with the codebook inner-product tables (see
 * Codebooks.decodedNorm) rather than stored, so codes carry no extra bytes and the distances are
 * exact on the decoded vectors, at L(L+1)/2 table reads per code instead of L. Those norms do not
 * depend on the query, so they are computed once per batch of codes (see NormCache).
 */
export class RqSearch implements AsymmetricSearch {
  readonly metrics: readonly Metric[] = ['l2', 'ip'];
  readonly exactOnDecoded = true;
  private readonly normCache: NormCache;

  constructor(
    private readonly books: Codebooks,
    private readonly nbits: number,
    private readonly codeSize: number,
  ) {
    this.normCache = new NormCache(books, nbits, codeSize);
  }

  prepare(query: Float32Array, metric: Metric): CodeDistances {
    const { books, nbits, codeSize, normCache } = this;
    const { stages, k, dim, data } = books;
    assertQuery(query, dim);
    if (metric !== 'l2' && metric !== 'ip') {
      throw new ReefError('INVALID_PARAM', `RQ search supports metrics l2 and ip, got ${JSON.stringify(metric)}`);
    }
    const table = new Float64Array(stages * k);
    for (let c = 0; c < stages * k; c++) table[c] = dot(query, 0, data, c * dim, dim);
    const queryNorm = dot(query, 0, query, 0, dim);
    const indices = new Uint32Array(stages);

    return {
      distances(codes: Uint8Array, out?: Float32Array): Float32Array {
        const n = assertCodes(codes, codeSize);
        const result = out ?? new Float32Array(n);
        if (result.length < n) {
          throw new ReefError('INVALID_PARAM', `output buffer holds ${result.length} distances but ${n} codes were given`);
        }
        const norms = metric === 'l2' ? normCache.normsOf(codes, n) : undefined;
        for (let i = 0; i < n; i++) {
          unpackCode(codes, i, stages, nbits, codeSize, indices);
          let ip = 0;
          for (let m = 0; m < stages; m++) ip += table[m * k + indices[m]];
          result[i] = norms ? Math.max(0, queryNorm - 2 * ip + norms[i]) : ip;
        }
        return result;
      },
    };
  }
}
