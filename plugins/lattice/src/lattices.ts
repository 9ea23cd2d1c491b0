/**
 * The three 8-dimensional lattices this plugin quantizes with, each as a basis (for Voronoi
 * coordinates) plus a nearest-point decoder. Points are Float64Array(8) in lattice units.
 *
 * Nearest-point decoders follow Conway & Sloane, "Fast quantizing and decoding algorithms for
 * lattice quantizers and codes" (IEEE Trans. IT, 1982):
 *  - Z_n: round every coordinate.
 *  - D_n (integer vectors with even sum): round every coordinate; if the sum is odd, re-round the
 *    coordinate that was furthest from an integer the other way.
 *  - E8 = D8 ∪ (D8 + ½): decode in both cosets and keep the closer point.
 */

export type LatticeName = 'e8' | 'dn' | 'zn';
export const LATTICE_NAMES: readonly LatticeName[] = ['e8', 'dn', 'zn'];

/** Every lattice here works on blocks of this many dimensions. */
export const BLOCK = 8;

export interface Lattice {
  readonly name: LatticeName;
  /** Row-major 8×8: row i is basis vector i, so a point is `coords · basis` with integer coords. */
  readonly basis: Float64Array;
  /** Inverse of `basis`: `point · inverseBasis` gives the (integer) coordinates. */
  readonly inverseBasis: Float64Array;
  /**
   * The codebook lives on the coset `lattice + shift`. Zero for E8 and D_n; ½ for Z_n, which makes
   * the Z_n code exactly a uniform mid-rise scalar quantizer (levels symmetric about 0).
   */
  readonly shift: Float64Array;
  /** Writes the lattice point nearest to `x` into `out` (which must not alias `x`); returns the squared distance. */
  nearest(x: Float64Array, out: Float64Array): number;
  /**
   * Exact nearest codeword of the Voronoi code modulo r·Λ, where a closed form exists (Z_n: round,
   * then clamp each coordinate). Lattices without one fall back to the search in VoronoiCode.
   */
  nearestCodeword?(x: Float64Array, modulus: number, out: Float64Array): void;
}

/** Nearest point of Z^8. */
export function nearestZn(x: Float64Array, out: Float64Array): number {
  let dist = 0;
  for (let i = 0; i < BLOCK; i++) {
    const r = Math.round(x[i]);
    dist += (x[i] - r) * (x[i] - r);
    out[i] = r;
  }
  return dist;
}

/** Nearest point of D8 = { z ∈ Z^8 : Σz even }. `offset` is subtracted from x first (for E8's half coset). */
export function nearestDn(x: Float64Array, out: Float64Array, offset = 0): number {
  let sum = 0;
  let worst = 0;
  let worstGap = -1;
  for (let i = 0; i < BLOCK; i++) {
    const v = x[i] - offset;
    const r = Math.round(v);
    const gap = Math.abs(v - r);
    if (gap > worstGap) {
      worstGap = gap;
      worst = i;
    }
    sum += r;
    out[i] = r;
  }
  if ((sum & 1) !== 0) {
    // Odd sum: the cheapest fix is to round the least certain coordinate the other way.
    const v = x[worst] - offset;
    out[worst] += v >= out[worst] ? 1 : -1;
  }
  let dist = 0;
  for (let i = 0; i < BLOCK; i++) {
    out[i] += offset;
    dist += (x[i] - out[i]) * (x[i] - out[i]);
  }
  return dist;
}

const halfCoset = new Float64Array(BLOCK);

/** Nearest point of E8 = D8 ∪ (D8 + ½·1). */
export function nearestE8(x: Float64Array, out: Float64Array): number {
  const d0 = nearestDn(x, halfCoset, 0.5);
  const d1 = nearestDn(x, out);
  if (d0 < d1) {
    out.set(halfCoset);
    return d0;
  }
  return d1;
}

function identity(): Float64Array {
  const m = new Float64Array(BLOCK * BLOCK);
  for (let i = 0; i < BLOCK; i++) m[i * BLOCK + i] = 1;
  return m;
}

/** Rows 2e₀ and eᵢ − eᵢ₋₁ (i = 1..7) generate D8; E8 swaps the last for ½·1 (Conway & Sloane, SPLAG ch. 4). */
function chainBasis(lastRow: readonly number[]): Float64Array {
  const m = new Float64Array(BLOCK * BLOCK);
  m[0] = 2;
  for (let i = 1; i < BLOCK - 1; i++) {
    m[i * BLOCK + i - 1] = -1;
    m[i * BLOCK + i] = 1;
  }
  m.set(lastRow, (BLOCK - 1) * BLOCK);
  return m;
}

/** Inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting. */
export function invert(m: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (a[pivot * n + col] === 0) throw new Error('singular lattice basis');
    for (let k = 0; k < n; k++) {
      [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[col * n + k]];
      [inv[col * n + k], inv[pivot * n + k]] = [inv[pivot * n + k], inv[col * n + k]];
    }
    const p = a[col * n + col];
    for (let k = 0; k < n; k++) {
      a[col * n + k] /= p;
      inv[col * n + k] /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k] -= f * a[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}

/** Z_n + ½ modulo r·Z_n is the cube of levels −r/2 + ½ … r/2 − ½: clamping after rounding is exact. */
function nearestZnCodeword(x: Float64Array, modulus: number, out: Float64Array): void {
  const top = modulus / 2 - 0.5;
  for (let i = 0; i < BLOCK; i++) out[i] = Math.min(top, Math.max(-top, Math.round(x[i] - 0.5) + 0.5));
}

function makeLattice(name: LatticeName, basis: Float64Array, shift: number, nearest: Lattice['nearest'], nearestCodeword?: Lattice['nearestCodeword']): Lattice {
  return { name, basis, inverseBasis: invert(basis, BLOCK), shift: new Float64Array(BLOCK).fill(shift), nearest, nearestCodeword };
}

const LATTICES: Record<LatticeName, Lattice> = {
  e8: makeLattice('e8', chainBasis([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), 0, nearestE8),
  dn: makeLattice('dn', chainBasis([0, 0, 0, 0, 0, 0, -1, 1]), 0, nearestDn),
  zn: makeLattice('zn', identity(), 0.5, nearestZn, nearestZnCodeword),
};

export function lattice(name: LatticeName): Lattice {
  return LATTICES[name];
}
