import { dot, squaredNorms } from '@reef/kernels';

/**
 * The L stage codebooks of a residual quantizer, K codewords of dimension d each, stored stage
 * after stage in one flat Float32Array. Besides the codewords it keeps what encoding and search
 * reuse: the squared norm of every codeword and, built on first use, the inner products between
 * codewords of different stages. With those, ‖x − Σ c‖² and ‖Σ c‖² need no d-dimensional work.
 */
export class Codebooks {
  /** ‖c_{m,k}‖² at [m·K + k]. */
  readonly norms: Float64Array;
  private crossTables: Float64Array | undefined;

  constructor(
    readonly data: Float32Array,
    readonly stages: number,
    readonly k: number,
    readonly dim: number,
  ) {
    this.norms = Float64Array.from(squaredNorms(data, stages * k, dim));
  }

  /** Offset of codeword k of stage m in `data`. */
  offset(m: number, k: number): number {
    return (m * this.k + k) * this.dim;
  }

  /**
   * ⟨c_{i,a}, c_{j,b}⟩ for every pair of stages i < j, as one K × K table per pair (row a, column
   * b). Pairs are ordered by j, then i, so the tables a stage needs against all earlier stages lie
   * next to each other. Costs L²/2 · K² · d once; a 8 × 256-codeword model on 784-d data takes 14 MB.
   */
  cross(): Float64Array {
    if (this.crossTables) return this.crossTables;
    const { stages, k, dim, data } = this;
    const kk = k * k;
    const tables = new Float64Array(((stages * (stages - 1)) / 2) * kk);
    for (let j = 1; j < stages; j++) {
      for (let i = 0; i < j; i++) {
        const base = pairIndex(i, j) * kk;
        for (let a = 0; a < k; a++) {
          const ao = this.offset(i, a);
          for (let b = 0; b < k; b++) tables[base + a * k + b] = dot(data, ao, data, this.offset(j, b), dim);
        }
      }
    }
    this.crossTables = tables;
    return tables;
  }

  /** Writes Σ_m c_{m, indices[m]} into out[outOffset..outOffset+d). */
  decodeInto(indices: ArrayLike<number>, indexOffset: number, out: Float32Array, outOffset: number): void {
    const { stages, dim, data } = this;
    out.fill(0, outOffset, outOffset + dim);
    for (let m = 0; m < stages; m++) {
      const co = this.offset(m, indices[indexOffset + m]);
      for (let t = 0; t < dim; t++) out[outOffset + t] += data[co + t];
    }
  }

  /**
   * ‖Σ_m c_{m, a_m}‖² from the tables alone: Σ_m ‖c_{m,a_m}‖² + 2 Σ_{i<j} ⟨c_{i,a_i}, c_{j,a_j}⟩.
   * This is the norm term of asymmetric L2 search, exact on the decoded vector.
   */
  decodedNorm(indices: ArrayLike<number>, indexOffset = 0): number {
    const { stages, k, norms } = this;
    const tables = this.cross();
    const kk = k * k;
    let s = 0;
    for (let j = 0; j < stages; j++) {
      const b = indices[indexOffset + j];
      s += norms[j * k + b];
      let pair = pairIndex(0, j) * kk + b;
      for (let i = 0; i < j; i++, pair += kk) s += 2 * tables[pair + indices[indexOffset + i] * k];
    }
    return s;
  }
}

/** Position of the table for stages i < j in the pair order (0,1), (0,2), (1,2), (0,3), ... */
export function pairIndex(i: number, j: number): number {
  return (j * (j - 1)) / 2 + i;
}
