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
    const d = this.dim;
    const p = this.rotation;
    out.fill(0);
    for (let k = 0; k < d; k++) {
      const xv = x[k];
      if (xv === 0) continue;
      for (let j = 0; j < d; j++) out[j] += xv * p[k * d + j];
    }
    return out;
  }

  /** out = y · Pᵀ (undoes `rotate`). */
  rotateBack(y: Float64Array, out: Float64Array): Float64Array {
    const d = this.dim;
    const p = this.rotation;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += y[k] * p[j * d + k];
      out[j] = s;
    }
    return out;
  }
}
