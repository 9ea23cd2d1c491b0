import { EigenvalueDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
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
export function multiply(x: Float32Array, n: number, a: number, r: Float32Array, b: number, out = new Float32Array(n * b)): Float32Array {
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
 */
export function polarFactor(m: Float32Array | Float64Array, a: number, b: number): Float32Array {
  const svd = new SingularValueDecomposition(toMatrix(m, a, b), { autoTranspose: true });
  return fromMatrix(svd.leftSingularVectors.mmul(svd.rightSingularVectors.transpose()));
}
