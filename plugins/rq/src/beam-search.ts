import { dot, multiplyTransposedFast } from '@reef/kernels';
import { pairIndex, type Codebooks } from './codebooks.js';

export interface Encoding {
  /** Codeword index per stage: n × L, row-major. */
  readonly indices: Int32Array;
  /** ‖x − decoded‖² per vector, as tracked by the search (float64 sums of the tables). */
  readonly errors: Float64Array;
}

/**
 * Encodes n vectors by beam search over the stages (FAISS's `beam_search_encode_step` with
 * look-up tables). The beam keeps the `beam` best partial codes; at stage m each is extended by
 * every codeword of stage m and the `beam` best extensions survive. Beam 1 is the greedy encoder.
 *
 * No residual vector is ever formed: for a partial code with reconstruction y,
 *   ‖x − y − c‖² = ‖x − y‖² + ‖c‖² − 2⟨x, c⟩ + 2 Σ_{j<m} ⟨c_j, c⟩,
 * so after ⟨x, c⟩ is computed once for all L·K codewords, each candidate costs m table reads
 * instead of d multiply-adds.
 */
export function beamSearchEncode(books: Codebooks, x: Float32Array, n: number, beam: number): Encoding {
  const { stages, dim } = books;
  const indices = new Int32Array(n * stages);
  const errors = new Float64Array(n);
  const search = new BeamSearch(books, beam);
  forEachWithTable(books, x, n, (i, table, to) => {
    errors[i] = search.encode(x, i * dim, table, to, indices, i * stages);
  });
  return { indices, errors };
}

/** Vectors per block of ⟨x, c⟩ tables: 256 × 2048 codewords × 4 bytes = 2 MB at 8 × 256. */
const TABLE_BLOCK = 256;

/**
 * Calls visit(i, table, offset) for every vector i, where table[offset + m·K + k] = ⟨x_i, c_{m,k}⟩.
 * The tables of a block of vectors come from one matrix product with the WASM SIMD kernel
 * (float32 accumulation, as FAISS's BLAS), the bulk of the encoder's arithmetic.
 */
function forEachWithTable(books: Codebooks, x: Float32Array, n: number, visit: (i: number, table: Float32Array, offset: number) => void): void {
  const { stages, k, dim, data } = books;
  const width = stages * k;
  const table = new Float32Array(Math.min(n, TABLE_BLOCK) * width);
  for (let i0 = 0; i0 < n; i0 += TABLE_BLOCK) {
    const rows = Math.min(TABLE_BLOCK, n - i0);
    multiplyTransposedFast(x.subarray(i0 * dim, (i0 + rows) * dim), rows, dim, data, width, table);
    for (let r = 0; r < rows; r++) visit(i0 + r, table, r * width);
  }
}

/**
 * The residuals x − decoded of every code left in the final beam (up to `beam` per vector), for
 * training the next stage on all of them as FAISS does: the next codebook then serves the
 * alternatives the search will weigh, not only the current winners.
 */
export function beamResiduals(books: Codebooks, x: Float32Array, n: number, beam: number): { data: Float32Array; count: number } {
  const { stages, dim } = books;
  const search = new BeamSearch(books, beam);
  const out = new Float32Array(n * beam * dim);
  const code = new Int32Array(stages);
  let count = 0;
  forEachWithTable(books, x, n, (i, table, to) => {
    search.encode(x, i * dim, table, to, code, 0);
    for (let e = 0; e < search.size; e++) {
      books.decodeInto(search.entry(e), 0, out, count * dim);
      for (let t = 0; t < dim; t++) out[count * dim + t] = x[i * dim + t] - out[count * dim + t];
      count++;
    }
  });
  return { data: out.subarray(0, count * dim), count };
}

/** Scratch buffers for one encoder, reused across vectors. */
class BeamSearch {
  private readonly cand: Float64Array;
  private codes: Int32Array;
  private nextCodes: Int32Array;
  private dist: Float64Array;
  private nextDist: Float64Array;
  private readonly parent: Int32Array;
  private readonly choice: Int32Array;
  private readonly cross: Float64Array;
  /** Entries in the final beam of the last encoded vector. */
  size = 0;

  constructor(
    private readonly books: Codebooks,
    private readonly beam: number,
  ) {
    const { stages, k } = books;
    this.cand = new Float64Array(k);
    this.codes = new Int32Array(beam * stages);
    this.nextCodes = new Int32Array(beam * stages);
    this.dist = new Float64Array(beam);
    this.nextDist = new Float64Array(beam);
    this.parent = new Int32Array(beam);
    this.choice = new Int32Array(beam);
    this.cross = stages > 1 ? books.cross() : new Float64Array(0);
  }

  /** Stage indices of entry e of the last final beam (best first). */
  entry(e: number): Int32Array {
    return this.codes.subarray(e * this.books.stages, (e + 1) * this.books.stages);
  }

  /**
   * Encodes x[xo..xo+d) into out[oo..oo+L), given xc[to + m·K + k] = ⟨x, c_{m,k}⟩; returns its
   * squared error.
   */
  encode(x: Float32Array, xo: number, xc: Float32Array, to: number, out: Int32Array, oo: number): number {
    const { books, beam, cand, cross, parent, choice } = this;
    const { stages, k, dim, norms } = books;
    const kk = k * k;

    let size = 1;
    this.dist[0] = dot(x, xo, x, xo, dim);
    for (let m = 0; m < stages; m++) {
      let nextSize = 0;
      const nextDist = this.nextDist;
      for (let b = 0; b < size; b++) {
        // cand[c] = ‖x − y_b − c_{m,c}‖² for every codeword c of stage m.
        const base = this.dist[b];
        for (let c = 0; c < k; c++) cand[c] = base + norms[m * k + c] - 2 * xc[to + m * k + c];
        let table = pairIndex(0, m) * kk;
        for (let j = 0; j < m; j++, table += kk) {
          const row = table + this.codes[b * stages + j] * k;
          for (let c = 0; c < k; c++) cand[c] += 2 * cross[row + c];
        }
        // Keep the `beam` smallest candidates seen so far, sorted ascending (insertion).
        for (let c = 0; c < k; c++) {
          const v = cand[c];
          if (nextSize === beam && v >= nextDist[nextSize - 1]) continue;
          let pos = nextSize < beam ? nextSize++ : beam - 1;
          while (pos > 0 && nextDist[pos - 1] > v) {
            nextDist[pos] = nextDist[pos - 1];
            parent[pos] = parent[pos - 1];
            choice[pos] = choice[pos - 1];
            pos--;
          }
          nextDist[pos] = v;
          parent[pos] = b;
          choice[pos] = c;
        }
      }
      for (let e = 0; e < nextSize; e++) {
        const from = parent[e] * stages;
        const to = e * stages;
        for (let j = 0; j < m; j++) this.nextCodes[to + j] = this.codes[from + j];
        this.nextCodes[to + m] = choice[e];
      }
      [this.codes, this.nextCodes] = [this.nextCodes, this.codes];
      [this.dist, this.nextDist] = [this.nextDist, this.dist];
      size = nextSize;
    }
    for (let j = 0; j < stages; j++) out[oo + j] = this.codes[j];
    this.size = size;
    return Math.max(0, this.dist[0]);
  }
}
