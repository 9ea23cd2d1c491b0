import { Codebooks } from './codebooks.js';

/** Sweeps over the stages per refit; each sweep is cheap (n·L·d) next to re-encoding. */
const SWEEPS = 4;

/**
 * Re-fits every codebook to the training data with the codes held fixed: block coordinate descent
 * on the least-squares problem min ‖X − Σ_m C_m[a_m]‖² + λ ‖C − C₀‖² over all codebooks at once,
 * C₀ being the codebooks given. For stage m, with the other stages fixed, the optimum of codeword k
 * is (Σ over the vectors coded k at stage m of (x − the other stages' codewords) + λ c₀) / (count + λ).
 * Sweeping the stages repeatedly converges to the joint solution (Gauss–Seidel on its normal
 * equations) without forming the (L·K)² system. λ = 0 is the plain least-squares refit, which never
 * increases the training error; λ > 0 keeps codewords used by few vectors near their k-means value
 * (a codeword fitted to 2 vectors otherwise memorises them). A codeword no vector uses keeps its value.
 */
export function refitCodebooks(books: Codebooks, x: Float32Array, n: number, indices: Int32Array, lambda = 0): Codebooks {
  const { stages, k, dim } = books;
  const prior = books.data;
  const data = prior.slice();
  // Current reconstruction of every training vector.
  const recon = new Float32Array(n * dim);

  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    // Rebuilt from scratch each sweep so float32 updates cannot drift.
    for (let i = 0; i < n; i++) decodeWith(data, stages, k, dim, indices, i, recon);
    for (let m = 0; m < stages; m++) {
      const old = data.slice(m * k * dim, (m + 1) * k * dim);
      sums.fill(0);
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const a = indices[i * stages + m];
        const co = (m * k + a) * dim;
        const so = a * dim;
        const xo = i * dim;
        counts[a]++;
        // x − (recon − own codeword): the residual stage m is asked to explain.
        for (let t = 0; t < dim; t++) sums[so + t] += x[xo + t] - recon[xo + t] + data[co + t];
      }
      for (let a = 0; a < k; a++) {
        if (counts[a] === 0) continue;
        const co = (m * k + a) * dim;
        const weight = counts[a] + lambda;
        for (let t = 0; t < dim; t++) data[co + t] = (sums[a * dim + t] + lambda * prior[co + t]) / weight;
      }
      for (let i = 0; i < n; i++) {
        const a = indices[i * stages + m];
        const co = (m * k + a) * dim;
        const oo = a * dim;
        const xo = i * dim;
        for (let t = 0; t < dim; t++) recon[xo + t] += data[co + t] - old[oo + t];
      }
    }
  }
  return new Codebooks(data, stages, k, dim);
}

function decodeWith(data: Float32Array, stages: number, k: number, dim: number, indices: Int32Array, i: number, out: Float32Array): void {
  const oo = i * dim;
  out.fill(0, oo, oo + dim);
  for (let m = 0; m < stages; m++) {
    const co = (m * k + indices[i * stages + m]) * dim;
    for (let t = 0; t < dim; t++) out[oo + t] += data[co + t];
  }
}
