import { packValues, unpackValues } from '@reef/kernels';
import { BLOCK } from './lattices.js';
import type { VoronoiCode } from './voronoi.js';

/**
 * The trained state and the map between input space and lattice space:
 *
 *   lattice = pad( ((x − centre) · R) / (scale · alpha) )        (R only when `rotation` is set)
 *   x       = (trim(lattice) · scale · alpha) · Rᵀ + centre
 *
 * `scale` is the per-dimension standard deviation after centring (and rotation), 0 for constant
 * dimensions (they decode to the centre). `alpha` is the one global step fitted against MSE,
 * overload included. Dimensions are padded with zeros to a multiple of 8 and trimmed on decode.
 */
export interface LatticeModelState {
  readonly dim: number;
  readonly centre: Float32Array;
  readonly scale: Float32Array;
  readonly alpha: number;
  /** Row-major dim × dim orthogonal matrix, or undefined when rotation is off. */
  readonly rotation?: Float32Array;
}

export class LatticeModel {
  readonly dim: number;
  /** Dimension rounded up to whole 8-dimensional blocks. */
  readonly paddedDim: number;
  readonly blocks: number;
  /** Bytes per vector: 8·bits bits per block, so exactly `bits` bytes per block. */
  readonly codeSize: number;
  private readonly work: Float64Array;
  private readonly point = new Float64Array(BLOCK);
  private readonly index = new Uint32Array(BLOCK);

  constructor(
    readonly state: LatticeModelState,
    readonly code: VoronoiCode,
  ) {
    this.dim = state.dim;
    this.blocks = Math.ceil(state.dim / BLOCK);
    this.paddedDim = this.blocks * BLOCK;
    this.codeSize = this.blocks * code.bits;
    this.work = new Float64Array(this.paddedDim);
  }

  /** Centres (unless told not to) and rotates one input vector: (x − centre) · R, in float64. */
  centre(x: Float32Array, offset: number, out: Float64Array, subtractMean = true): Float64Array {
    const { dim, rotation } = this.state;
    const centre = subtractMean ? this.state.centre : undefined;
    const c = rotation ? this.work : out;
    for (let j = 0; j < dim; j++) c[j] = x[offset + j] - (centre ? centre[j] : 0);
    if (!rotation) return out;
    rotate(c, rotation, dim, out);
    return out;
  }

  /** Maps one input vector to lattice units, padded to whole blocks. */
  toLattice(x: Float32Array, offset: number, out: Float64Array): Float64Array {
    const { dim, scale, alpha } = this.state;
    this.centre(x, offset, out);
    for (let j = 0; j < dim; j++) out[j] = scale[j] > 0 ? out[j] / (scale[j] * alpha) : 0;
    out.fill(0, dim, this.paddedDim);
    return out;
  }

  /** Maps lattice units back to input space (trimming the padding) into out[offset..offset+dim). */
  fromLattice(v: Float64Array, out: Float32Array, offset: number): void {
    const { dim, scale, alpha, centre, rotation } = this.state;
    const y = this.work;
    for (let j = 0; j < dim; j++) y[j] = v[j] * scale[j] * alpha;
    if (rotation) {
      // y · Rᵀ: row j of the result is the dot product of y with row j of R.
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += y[k] * rotation[j * dim + k];
        out[offset + j] = s + centre[j];
      }
    } else {
      for (let j = 0; j < dim; j++) out[offset + j] = y[j] + centre[j];
    }
  }

  /**
   * Quantizes one vector (lattice units, padded) into its code at codes[offset..offset+codeSize);
   * when `twice` is given, also writes 2 · the chosen lattice points (paddedDim values) at `twiceOffset`.
   */
  encodeLattice(v: Float64Array, codes: Uint8Array, offset: number, twice?: Int16Array, twiceOffset = 0): void {
    const bits = this.code.bits;
    const block = this.point;
    for (let b = 0; b < this.blocks; b++) {
      this.code.quantize(v.subarray(b * BLOCK, (b + 1) * BLOCK), block);
      packValues(this.code.indexOf(block, this.index), bits, codes, offset + b * bits);
      if (twice) for (let k = 0; k < BLOCK; k++) twice[twiceOffset + b * BLOCK + k] = 2 * block[k];
    }
  }

  /** Reads the codeword of block `b` of the code at `offset` (lattice units) into `out`. */
  decodeBlock(codes: Uint8Array, offset: number, b: number, out: Float64Array): Float64Array {
    const bits = this.code.bits;
    unpackValues(codes, bits, BLOCK, offset + b * bits, this.index);
    return this.code.pointOf(this.index, out);
  }

  /** Decodes one whole code to lattice units, padded. */
  decodeLattice(codes: Uint8Array, offset: number, out: Float64Array): Float64Array {
    for (let b = 0; b < this.blocks; b++) this.decodeBlock(codes, offset, b, out.subarray(b * BLOCK, (b + 1) * BLOCK));
    return out;
  }
}

/** out = x · R for a row vector x and a row-major dim × dim matrix R. */
export function rotate(x: Float64Array, r: Float32Array, dim: number, out: Float64Array): Float64Array {
  out.fill(0, 0, dim);
  for (let k = 0; k < dim; k++) {
    const xv = x[k];
    if (xv === 0) continue;
    const ro = k * dim;
    for (let j = 0; j < dim; j++) out[j] += xv * r[ro + j];
  }
  return out;
}
