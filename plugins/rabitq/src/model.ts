import { CodeLayout } from './layout.js';

/**
 * The trained state: the centroid residuals are measured against, and the random orthogonal
 * rotation P (row-major dim × dim) applied as o' = (o − c)/‖o − c‖ · P before quantizing.
 */
export class RaBitQModel {
  readonly layout: CodeLayout;
  /** (2^bits − 1)/2: code value u stands for grid coordinate u − offset. */
  readonly valueOffset: number;

  constructor(
    readonly centroid: Float32Array,
    readonly rotation: Float32Array,
    readonly bits: number,
  ) {
    this.layout = new CodeLayout(centroid.length, bits);
    this.valueOffset = (2 ** bits - 1) / 2;
  }

  get dim(): number {
    return this.centroid.length;
  }

  /** out = x · P (row vector times the rotation). */
  rotate(x: Float64Array, out: Float64Array): Float64Array {
    return this.rotateRows(x, 1, out);
  }

  /**
   * out_r = x_r · P for `rows` row vectors stored one after another. Four rows share each pass over
   * P (2.4 MB at d = 784, more than a core's cache), which is what encoding a set costs; every row's
   * sums are taken in the same order as one at a time, so the results are identical.
   */
  rotateRows(x: Float64Array, rows: number, out: Float64Array): Float64Array {
    const d = this.dim;
    const p = this.rotation;
    out.fill(0, 0, rows * d);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const o0 = r * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      for (let k = 0; k < d; k++) {
        const x0 = x[o0 + k];
        const x1 = x[o1 + k];
        const x2 = x[o2 + k];
        const x3 = x[o3 + k];
        const pk = k * d;
        for (let j = 0; j < d; j++) {
          const v = p[pk + j];
          out[o0 + j] += x0 * v;
          out[o1 + j] += x1 * v;
          out[o2 + j] += x2 * v;
          out[o3 + j] += x3 * v;
        }
      }
    }
    for (; r < rows; r++) {
      const o = r * d;
      // Four rows of P per pass over out (a query is rotated alone, per search): each out[j] still
      // adds its terms in the order k = 0, 1, 2, …, so the sums are those of one row of P at a time.
      let k = 0;
      for (; k + 4 <= d; k += 4) {
        const x0 = x[o + k];
        const x1 = x[o + k + 1];
        const x2 = x[o + k + 2];
        const x3 = x[o + k + 3];
        const p0 = k * d;
        const p1 = p0 + d;
        const p2 = p1 + d;
        const p3 = p2 + d;
        for (let j = 0; j < d; j++) out[o + j] = out[o + j] + x0 * p[p0 + j] + x1 * p[p1 + j] + x2 * p[p2 + j] + x3 * p[p3 + j];
      }
      for (; k < d; k++) {
        const xv = x[o + k];
        const pk = k * d;
        for (let j = 0; j < d; j++) out[o + j] += xv * p[pk + j];
      }
    }
    return out;
  }

  /** out = y · Pᵀ (undoes `rotate`). */
  rotateBack(y: Float64Array, out: Float64Array): Float64Array {
    return this.rotateBackRows(y, 1, out);
  }

  /** out_r = y_r · Pᵀ for `rows` row vectors; four rows share each row of P (same sums as one at a time). */
  rotateBackRows(y: Float64Array, rows: number, out: Float64Array): Float64Array {
    const d = this.dim;
    const p = this.rotation;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const o0 = r * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      for (let j = 0; j < d; j++) {
        const pj = j * d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < d; k++) {
          const v = p[pj + k];
          s0 += y[o0 + k] * v;
          s1 += y[o1 + k] * v;
          s2 += y[o2 + k] * v;
          s3 += y[o3 + k] * v;
        }
        out[o0 + j] = s0;
        out[o1 + j] = s1;
        out[o2 + j] = s2;
        out[o3 + j] = s3;
      }
    }
    for (; r < rows; r++) {
      const o = r * d;
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += y[o + k] * p[j * d + k];
        out[o + j] = s;
      }
    }
    return out;
  }
}
