import { EigenvalueDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { completeBasis, orthonormalize } from './gram-schmidt.js';
import { Rng } from './rng.js';

/** Row-major float32 (rows × cols) to an ml-matrix Matrix (float64). */
export function toMatrix(data: Float32Array | Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  return m;
}

/** An ml-matrix Matrix to row-major float32. */
export function fromMatrix(m: Matrix): Float32Array {
  const out = new Float32Array(m.rows * m.columns);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out[i * m.columns + j] = m.get(i, j);
  return out;
}

/** Xᵀ Y for row-major X (n × a) and Y (n × b), accumulated in float64: an a × b Matrix. */
export function crossProduct(x: Float32Array, y: Float32Array, n: number, a: number, b: number): Matrix {
  const acc = new Float64Array(a * b);
  for (let i = 0; i < n; i++) {
    const xo = i * a;
    const yo = i * b;
    for (let p = 0; p < a; p++) {
      const xv = x[xo + p];
      if (xv === 0) continue;
      const ao = p * b;
      for (let q = 0; q < b; q++) acc[ao + q] += xv * y[yo + q];
    }
  }
  return toMatrix(acc, a, b);
}

/**
 * Orthogonal Procrustes: R = U Vᵀ from the
 * SVD of Xᵀ Y, which minimises ‖X R − Y‖_F over matrices with orthonormal columns (a ≥ b).
 */
export function procrustes(x: Float32Array, y: Float32Array, n: number, a: number, b: number): Float32Array {
  const m = crossProduct(x, y, n, a, b);
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const u = svd.leftSingularVectors; // a × r
  const v = svd.rightSingularVectors; // b × r
  return fromMatrix(u.mmul(v.transpose()));
}

/** A uniformly random d × d orthogonal matrix (QR of a Gaussian matrix with sign correction). */
export function randomOrthogonal(d: number, rng: Rng): Float32Array {
  const g = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) g.set(i, j, rng.normal());
  const qr = new QrDecomposition(g);
  const q = qr.orthogonalMatrix;
  const r = qr.upperTriangularMatrix;
  for (let j = 0; j < d; j++) {
    if (r.get(j, j) < 0) for (let i = 0; i < d; i++) q.set(i, j, -q.get(i, j));
  }
  return fromMatrix(q);
}

/** Eigen-decomposition of a symmetric matrix: eigenvalues descending, eigenvectors as columns. */
export function symmetricEigen(data: Float32Array | Float64Array, d: number): { values: Float64Array; vectors: Float32Array } {
  const e = new EigenvalueDecomposition(toMatrix(data, d, d), { assumeSymmetric: true });
  const order = e.realEigenvalues.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
  const values = new Float64Array(d);
  const vectors = new Float32Array(d * d);
  const ev = e.eigenvectorMatrix;
  order.forEach(([v, src], dst) => {
    values[dst] = v;
    for (let i = 0; i < d; i++) vectors[i * d + dst] = ev.get(i, src);
  });
  return { values, vectors };
}

/** y = x R for row-major x (n × a) and R (a × b). */
export function multiply(x: Float32Array, n: number, a: number, r: Float32Array, b: number, out: Float32Array = new Float32Array(n * b)): Float32Array {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const xo = i * a;
    const oo = i * b;
    for (let p = 0; p < a; p++) {
      const xv = x[xo + p];
      if (xv === 0) continue;
      const ro = p * b;
      for (let q = 0; q < b; q++) out[oo + q] += xv * r[ro + q];
    }
  }
  return out;
}

/**
 * The orthogonal polar factor U Vᵀ of an a × b matrix M = U S Vᵀ (row-major, a ≥ b): the matrix
 * with orthonormal columns nearest to M, i.e. the Procrustes solution when M = Xᵀ Y is already
 * accumulated (OPQ builds it without materialising Y).
 *
 * Computed from the symmetric eigen-decomposition Mᵀ M = V S² V^T (about 3× cheaper than an SVD
 * here): U = M V S⁻¹, re-orthonormalised by Gram–Schmidt in order of decreasing singular value.
 * Directions with (numerically) zero singular value, e.g. input components that are zero in every
 * training vector, are completed with the standard basis vectors least covered so far, so the
 * result always has exactly orthonormal columns.
 */
export function polarFactor(m: Float32Array | Float64Array, a: number, b: number): Float32Array {
  // Mᵀ M in float64.
  const mtm = new Float64Array(b * b);
  for (let r = 0; r < a; r++) {
    const ro = r * b;
    for (let i = 0; i < b; i++) {
      const v = m[ro + i];
      if (v === 0) continue;
      const io = i * b;
      for (let j = i; j < b; j++) mtm[io + j] += v * m[ro + j];
    }
  }
  for (let i = 0; i < b; i++) for (let j = 0; j < i; j++) mtm[i * b + j] = mtm[j * b + i];
  const e = new EigenvalueDecomposition(toMatrix(mtm, b, b), { assumeSymmetric: true });
  const order = e.realEigenvalues.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
  const ev = e.eigenvectorMatrix;
  const vt = new Float64Array(b * b); // row t = eigenvector t (by decreasing eigenvalue)
  order.forEach(([, src], t) => {
    for (let i = 0; i < b; i++) vt[t * b + i] = ev.get(i, src);
  });
  const smax = Math.sqrt(Math.max(order[0][0], 0));
  // u (b × a, row t = column t of U): M v_t / s_t, then Gram–Schmidt against earlier columns.
  const u = new Float64Array(b * a);
  const col = new Float64Array(a);
  for (let t = 0; t < b; t++) {
    const s = Math.sqrt(Math.max(order[t][0], 0));
    let ok = s > 1e-7 * smax;
    if (ok) {
      for (let r = 0; r < a; r++) {
        let acc = 0;
        for (let i = 0; i < b; i++) acc += m[r * b + i] * vt[t * b + i];
        col[r] = acc / s;
      }
      ok = orthonormalize(col, u, t, a) > 0.5;
    }
    if (!ok) completeBasis(col, u, t, a);
    u.set(col, t * a);
  }
  // P = U Vᵀ: P[r, j] = Σ_t U[r, t] V[j, t].
  const out = new Float32Array(a * b);
  const acc = new Float64Array(b);
  for (let r = 0; r < a; r++) {
    acc.fill(0);
    for (let t = 0; t < b; t++) {
      const ur = u[t * a + r];
      if (ur === 0) continue;
      const vo = t * b;
      for (let j = 0; j < b; j++) acc[j] += ur * vt[vo + j];
    }
    for (let j = 0; j < b; j++) out[r * b + j] = acc[j];
  }
  return out;
}

