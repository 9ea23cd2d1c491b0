import type { Metric } from '@reef/core';
import { ResidentRows } from '@reef/kernels';
import { Int8Rows } from './int8-rows.js';
import type { LatticeModel } from './model.js';

/** Rows per resident block: at most 64 MiB of float32 in one WASM instance's linear memory. */
const BLOCK_BYTES = 64 * 1024 * 1024;

/**
 * The decoded vectors of one code array in the centred, rotated space, y_i = step ∘ p_i (the
 * lattice point scaled per dimension), held in WASM linear memory (kernels' ResidentRows, SIMD
 * where available) together with ‖y_i‖². One query is then one matrix–vector product:
 *
 *   ‖t − y_i‖² = ‖t‖² − 2⟨t, y_i⟩ + ‖y_i‖²        ('l2', t = (q − centre)·R)
 *   ⟨q, x̂_i⟩ = ⟨q, centre⟩ + ⟨t, y_i⟩             ('ip', t = q·R)
 *
 * The dot products accumulate in float32 (as FAISS's do) and the rest in float64, so distances
 * match the exact decoded distances to a relative error of about 1e-6 of ‖t‖² + ‖y_i‖², not bit for bit.
 */
export class DecodedScan {
  /** Resident rows: 2·p as int8 when every value fits (bits ≤ 5: a quarter of the bytes to stream), else y as float32. */
  private readonly blocks: { rows: Int8Rows | ResidentRows; first: number; dots: Float32Array }[] = [];
  /** ‖y_i‖², in float64 from the float32 values y_ij = fround(step_j/2 · 2p_ij). */
  readonly norms: Float64Array;
  /** step_j / 2 per dimension: ⟨t, y_i⟩ = Σ_j (t_j · step_j/2) · 2p_ij for the int8 rows. */
  private readonly half: Float64Array;
  private readonly weights?: Float32Array;

  constructor(
    readonly model: LatticeModel,
    twice: Int16Array,
    readonly count: number,
  ) {
    const { dim, scale, alpha } = model.state;
    const { paddedDim } = model;
    const half = new Float64Array(dim);
    for (let j = 0; j < dim; j++) half[j] = (scale[j] * alpha) / 2;
    this.half = half;
    this.norms = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        const v = Math.fround(half[j] * twice[i * paddedDim + j]);
        norm += v * v;
      }
      this.norms[i] = norm;
    }
    let fitsInt8 = true;
    for (let i = 0; i < twice.length && fitsInt8; i++) fitsInt8 = twice[i] >= -128 && twice[i] <= 127;
    if (fitsInt8) {
      const stride = Math.ceil(dim / 16) * 16;
      this.weights = new Float32Array(stride);
      const rowsPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / stride));
      for (let first = 0; first < count; first += rowsPerBlock) {
        const n = Math.min(rowsPerBlock, count - first);
        const rows = new Int8Rows(n, dim);
        const y = rows.rows;
        for (let r = 0; r < n; r++) {
          const o = (first + r) * paddedDim;
          for (let j = 0; j < dim; j++) y[r * stride + j] = twice[o + j];
        }
        this.blocks.push({ rows, first, dots: new Float32Array(n) });
      }
      return;
    }
    const rowsPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / (4 * dim)));
    for (let first = 0; first < count; first += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, count - first);
      const rows = new ResidentRows(n, dim);
      const y = rows.rows;
      for (let r = 0; r < n; r++) {
        const o = (first + r) * paddedDim;
        for (let j = 0; j < dim; j++) y[r * dim + j] = Math.fround(half[j] * twice[o + j]);
      }
      this.blocks.push({ rows, first, dots: new Float32Array(n) });
    }
  }

  /** out[i] = base − 2⟨target, y_i⟩ + ‖y_i‖² for 'l2' (base = ‖target‖², clamped at 0), base + ⟨target, y_i⟩ for 'ip' (base = ⟨q, centre⟩). */
  scan(target: Float32Array, metric: Metric, base: number, out: Float32Array): Float32Array {
    const norms = this.norms;
    const weights = this.weights;
    if (weights) for (let j = 0; j < this.half.length; j++) weights[j] = target[j] * this.half[j];
    for (const { rows, first, dots } of this.blocks) {
      rows.dots(weights ?? target, dots);
      if (metric === 'l2') {
        // Clamped: float32 dot products can overshoot by a rounding error for a query on a codeword.
        for (let r = 0; r < dots.length; r++) out[first + r] = Math.max(0, base - 2 * dots[r] + norms[first + r]);
      } else {
        for (let r = 0; r < dots.length; r++) out[first + r] = base + dots[r];
      }
    }
    return out;
  }
}
