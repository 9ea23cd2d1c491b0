import { BLOCK, type Lattice } from './lattices.js';

/**
 * A fixed-rate Voronoi code (Conway & Sloane, "A fast encoding method for lattice codes and
 * quantizers", IEEE Trans. IT, 1983): the codebook is every point of the coset Λ + shift inside
 * the shaping region r·V(Λ) + a, where V is Λ's Voronoi cell and r = 2^bits. There are exactly
 * r^8 such points, one per class of (Λ + shift) modulo rΛ, so a point is named by its lattice
 * coordinates modulo r: 8 values of `bits` bits, 8·bits bits per block.
 *
 * The tiny offset `a` breaks ties on the boundary of r·V (for even r, lattice points lie exactly
 * on it); its components are distinct powers of two so no ± combination of them cancels.
 */
const TIE_BREAK = Float64Array.from({ length: BLOCK }, (_, i) => 2 ** -(i + 10));

/** Steps of the shrink towards the origin used when a point's nearest coset point overloads. */
const SHRINK_STEPS = 16;

export class VoronoiCode {
  /** r = 2^bits: the code is the coset modulo r·Λ. */
  readonly modulus: number;
  private readonly a = new Float64Array(BLOCK);
  private readonly b = new Float64Array(BLOCK);
  private readonly t = new Float64Array(BLOCK);

  constructor(
    readonly lattice: Lattice,
    readonly bits: number,
  ) {
    this.modulus = 2 ** bits;
  }

  /** Whether a point of the coset Λ + shift lies in the shaping region, i.e. is a codeword. */
  contains(point: Float64Array): boolean {
    const y = this.a;
    for (let i = 0; i < BLOCK; i++) y[i] = (point[i] - TIE_BREAK[i]) / this.modulus;
    this.lattice.nearest(y, this.b);
    for (let i = 0; i < BLOCK; i++) if (this.b[i] !== 0) return false;
    return true;
  }

  /** Voronoi index of a coset point: its lattice coordinates modulo r, each in [0, r). */
  indexOf(point: Float64Array, out: Uint32Array): Uint32Array {
    const { inverseBasis, shift } = this.lattice;
    const r = this.modulus;
    for (let j = 0; j < BLOCK; j++) {
      let k = 0;
      for (let i = 0; i < BLOCK; i++) k += (point[i] - shift[i]) * inverseBasis[i * BLOCK + j];
      const ki = Math.round(k) % r;
      out[j] = ki < 0 ? ki + r : ki;
    }
    return out;
  }

  /** The codeword with Voronoi index `index`: the coset point k·B + shift reduced into r·V + a. */
  pointOf(index: ArrayLike<number>, out: Float64Array): Float64Array {
    const { basis, shift } = this.lattice;
    const r = this.modulus;
    const y = this.a;
    for (let j = 0; j < BLOCK; j++) {
      let v = shift[j];
      for (let i = 0; i < BLOCK; i++) v += index[i] * basis[i * BLOCK + j];
      out[j] = v;
      y[j] = (v - TIE_BREAK[j]) / r;
    }
    // Subtract the nearest point of rΛ: what remains is the representative inside r·V + a.
    this.lattice.nearest(y, this.b);
    for (let j = 0; j < BLOCK; j++) out[j] -= r * this.b[j];
    return out;
  }

  /**
   * The codeword for `v` (lattice units). When the nearest coset point lies in the shaping region
   * (the granular case) it is the answer. Otherwise (overload) the lattice's closed form is used
   * if it has one; if not, `v` is shrunk towards the origin until its nearest coset point is a
   * codeword, which costs far less than letting the index wrap around to the opposite side of
   * the region. (Keeping the best of all shrink steps instead of the first gave the same error on
   * Gaussian data at 1–6 bits, so the cheaper rule stays.)
   */
  quantize(v: Float64Array, out: Float64Array): Float64Array {
    if (this.nearestCoset(v, 1, out)) return out;
    if (this.lattice.nearestCodeword) {
      this.lattice.nearestCodeword(v, this.modulus, out);
      return out;
    }
    for (let step = 1; step < SHRINK_STEPS; step++) {
      if (this.nearestCoset(v, 1 - step / SHRINK_STEPS, out)) return out;
    }
    this.nearestCoset(v, 0, out); // the coset point nearest the origin is always a codeword
    return out;
  }

  /** Nearest point of Λ + shift to f·v into `out`; whether it is a codeword. */
  private nearestCoset(v: Float64Array, f: number, out: Float64Array): boolean {
    const { shift } = this.lattice;
    const t = this.t;
    for (let i = 0; i < BLOCK; i++) t[i] = f * v[i] - shift[i];
    this.lattice.nearest(t, out);
    for (let i = 0; i < BLOCK; i++) out[i] += shift[i];
    return this.contains(out);
  }
}
