/** Gram–Schmidt helpers of the polar factorisations (internal to this package). */

/** Removes from `col` its components along the first `count` rows of `basis` (twice, for stability), normalises it; returns its norm before normalising, relative to the input's. */
export function orthonormalize(col: Float64Array, basis: Float64Array, count: number, a: number): number {
  let before = 0;
  for (let r = 0; r < a; r++) before += col[r] * col[r];
  for (let pass = 0; pass < 2; pass++) {
    for (let t = 0; t < count; t++) {
      let d = 0;
      const o = t * a;
      for (let r = 0; r < a; r++) d += col[r] * basis[o + r];
      for (let r = 0; r < a; r++) col[r] -= d * basis[o + r];
    }
  }
  let after = 0;
  for (let r = 0; r < a; r++) after += col[r] * col[r];
  const norm = Math.sqrt(after);
  if (norm > 0) for (let r = 0; r < a; r++) col[r] /= norm;
  return before > 0 ? norm / Math.sqrt(before) : 0;
}

/** Fills `col` with a unit vector orthogonal to the first `count` rows of `basis`, from the standard basis vector least covered by them. */
export function completeBasis(col: Float64Array, basis: Float64Array, count: number, a: number): void {
  const covered = new Float64Array(a);
  for (let t = 0; t < count; t++) for (let r = 0; r < a; r++) covered[r] += basis[t * a + r] ** 2;
  const candidates = [...covered.keys()].sort((p, q) => covered[p] - covered[q]);
  for (const r of candidates) {
    col.fill(0);
    col[r] = 1;
    if (orthonormalize(col, basis, count, a) > 0.1) return;
  }
}
