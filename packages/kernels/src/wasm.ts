import { dot, squaredNorms, type NearestResult } from './distances.js';
import { nearestCentroids } from './distances.js';
import { multiply } from './linalg.js';
import { ensureMemory, instantiateKernels, type KernelExports } from './wasm-instance.js';

/**
 * WASM SIMD versions of the two hottest loops (nearest-centroid search, matrix product), built
 * from wasm/kernels.ts with AssemblyScript. They accumulate in float32 like FAISS's BLAS calls,
 * so results can differ from the float64-accumulating JS kernels in the last bits; that is why
 * they are separate functions rather than replacements. Where WebAssembly SIMD is missing, they
 * fall back to the JS kernels.
 */
let cached: KernelExports | null | undefined;

/** The shared instance for stateless calls, or null where WebAssembly SIMD is unavailable. */
function kernels(): KernelExports | null {
  if (cached === undefined) cached = instantiateKernels();
  return cached;
}

/** Whether the WASM SIMD kernels are in use here (otherwise the *Fast functions run the JS ones). */
export function wasmKernelsAvailable(): boolean {
  return kernels() !== null;
}

/** Grows linear memory to hold `bytes` past the heap base; returns a bump allocator over it. */
function arena(k: KernelExports, bytes: number): (size: number) => number {
  const base = k.heapBase();
  const needed = base + bytes + 64 * 16;
  ensureMemory(k, needed);
  let next = base;
  return (size) => {
    const at = next;
    next += (size + 15) & ~15;
    return at;
  };
}

/** Points per WASM call: keeps the copied block around 16 MB whatever n is. */
function chunkRows(d: number): number {
  return Math.max(1, Math.floor((16 * 1024 * 1024) / (4 * d)));
}

/** nearestCentroids with WASM SIMD (float32 accumulation); same arguments and result. */
export function nearestCentroidsFast(
  x: Float32Array,
  n: number,
  d: number,
  centroids: Float32Array,
  k: number,
  centroidNorms: Float32Array = squaredNorms(centroids, k, d),
  out?: NearestResult,
): NearestResult {
  const w = kernels();
  if (!w) return nearestCentroids(x, n, d, centroids, k, centroidNorms, out);
  const labels = out?.labels ?? new Int32Array(n);
  const distances = out?.distances ?? new Float32Array(n);
  const rows = Math.min(n, chunkRows(d));
  const alloc = arena(w, 4 * (k * d + k + rows * d + 2 * rows) + 64);
  const cPtr = alloc(4 * k * d);
  const nPtr = alloc(4 * k);
  const xPtr = alloc(4 * rows * d);
  const lPtr = alloc(4 * rows);
  const dPtr = alloc(4 * rows);
  new Float32Array(w.memory.buffer, cPtr, k * d).set(centroids.subarray(0, k * d));
  new Float32Array(w.memory.buffer, nPtr, k).set(centroidNorms.subarray(0, k));
  for (let p0 = 0; p0 < n; p0 += rows) {
    const cnt = Math.min(rows, n - p0);
    new Float32Array(w.memory.buffer, xPtr, cnt * d).set(x.subarray(p0 * d, (p0 + cnt) * d));
    w.nearest(xPtr, cnt, d, cPtr, k, nPtr, lPtr, dPtr);
    labels.set(new Int32Array(w.memory.buffer, lPtr, cnt), p0);
    distances.set(new Float32Array(w.memory.buffer, dPtr, cnt), p0);
  }
  return { labels, distances };
}

/** multiply (y = x R) with WASM SIMD; same arguments and result. */
export function multiplyFast(x: Float32Array, n: number, a: number, r: Float32Array, b: number, out = new Float32Array(n * b)): Float32Array {
  if (!kernels()) return multiply(x, n, a, r, b, out);
  // Transposed so each output is a dot product of two contiguous rows.
  const rt = new Float32Array(a * b);
  for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) rt[q * a + p] = r[p * b + q];
  return multiplyTransposedFast(x, n, a, rt, b, out);
}

/**
 * y = x Rᵀ for row-major x (n × a) and R (b × a), with WASM SIMD: every output is the dot product
 * of a row of x with a row of R (e.g. a query sub-vector against each centroid of a codebook).
 */
export function multiplyTransposedFast(x: Float32Array, n: number, a: number, rt: Float32Array, b: number, out = new Float32Array(n * b)): Float32Array {
  const w = kernels();
  if (!w) {
    for (let i = 0; i < n; i++) for (let q = 0; q < b; q++) out[i * b + q] = dot(x, i * a, rt, q * a, a);
    return out;
  }
  const rows = Math.max(1, Math.min(n, chunkRows(a + b)));
  const alloc = arena(w, 4 * (a * b + rows * (a + b)) + 64);
  const rPtr = alloc(4 * a * b);
  const xPtr = alloc(4 * rows * a);
  const oPtr = alloc(4 * rows * b);
  new Float32Array(w.memory.buffer, rPtr, a * b).set(rt.subarray(0, a * b));
  for (let i0 = 0; i0 < n; i0 += rows) {
    const cnt = Math.min(rows, n - i0);
    new Float32Array(w.memory.buffer, xPtr, cnt * a).set(x.subarray(i0 * a, (i0 + cnt) * a));
    w.matmulT(xPtr, cnt, a, rPtr, b, oPtr);
    out.set(new Float32Array(w.memory.buffer, oPtr, cnt * b), i0 * b);
  }
  return out;
}

/** Largest block of per-code float64 sums kept in WASM memory at once by productCodeCrossFast. */
const CODE_SUMS_BUDGET = 64 * 1024 * 1024;

/** Where product codes and their codebooks lie: sub-space j spans columns offsets[j]..offsets[j + 1]. */
export interface ProductCodeLayout {
  readonly m: number;
  readonly offsets: ArrayLike<number>;
  /** Total width, offsets[m]. */
  readonly dim: number;
}

/**
 * Xᵀ Y (dIn × dim, float64) where Y is the product-code reconstruction: row i of Y is, in each
 * sub-space j, the centroid codes[i·m + j] of codebook j (codebooks back to back, k × dj each, at
 * k · offsets[j], as ProductCodebooks stores them). Never forms Y: the points sharing a code are
 * summed first, Σ_c (Σ_{i: code_ij = c} xᵢ) ⊗ c_j[c], n·m·dIn adds instead of n·dIn·dim
 * multiply-adds. Float64 throughout; the WASM SIMD path (one pass over x for as many sub-spaces as
 * fit 64 MB of sums) gives exactly the plain loop's result.
 */
export function productCodeCrossFast(x: Float32Array, n: number, dIn: number, codes: Int32Array, layout: ProductCodeLayout, k: number, centroids: Float32Array): Float64Array {
  const { m, offsets, dim } = layout;
  if (codes.length < n * m) throw new RangeError(`productCodeCross: ${codes.length} codes for ${n} points × ${m} sub-spaces`);
  if (centroids.length < k * dim) throw new RangeError(`productCodeCross: ${centroids.length} centroid values, expected k × dim = ${k * dim}`);
  // The kernel trusts its codes: one out of range would write outside its block.
  for (let i = 0; i < n * m; i++) {
    if (!(codes[i] >= 0 && codes[i] < k)) throw new RangeError(`productCodeCross: code ${codes[i]} at ${i} is outside [0, ${k})`);
  }
  const setBytes = 8 * k * dIn;
  const w = kernels();
  if (!w || setBytes > CODE_SUMS_BUDGET) return productCodeCross(x, n, dIn, codes, layout, k, centroids);
  const perPass = Math.max(1, Math.min(m, Math.floor(CODE_SUMS_BUDGET / setBytes)));
  let widest = 0;
  for (let j = 0; j < m; j++) widest = Math.max(widest, offsets[j + 1] - offsets[j]);
  const rows = Math.min(n, chunkRows(dIn));
  const alloc = arena(w, perPass * setBytes + 8 * dIn * dim + 4 * k * widest + 4 * rows * (dIn + m) + 5 * 16);
  const sPtr = alloc(perPass * setBytes);
  const crossPtr = alloc(8 * dIn * dim);
  const bookPtr = alloc(4 * k * widest);
  const xPtr = alloc(4 * rows * dIn);
  const cPtr = alloc(4 * rows * m);
  new Float64Array(w.memory.buffer, crossPtr, dIn * dim).fill(0);
  for (let j0 = 0; j0 < m; j0 += perPass) {
    const j1 = Math.min(m, j0 + perPass);
    new Float64Array(w.memory.buffer, sPtr, (j1 - j0) * k * dIn).fill(0);
    for (let p0 = 0; p0 < n; p0 += rows) {
      const cnt = Math.min(rows, n - p0);
      new Float32Array(w.memory.buffer, xPtr, cnt * dIn).set(x.subarray(p0 * dIn, (p0 + cnt) * dIn));
      new Int32Array(w.memory.buffer, cPtr, cnt * m).set(codes.subarray(p0 * m, (p0 + cnt) * m));
      w.sumRowsByLabel(xPtr, cnt, dIn, cPtr, m, j0, j1, k, sPtr);
    }
    for (let j = j0; j < j1; j++) {
      const dj = offsets[j + 1] - offsets[j];
      new Float32Array(w.memory.buffer, bookPtr, k * dj).set(centroids.subarray(k * offsets[j], k * offsets[j] + k * dj));
      w.crossAdd(sPtr + (j - j0) * setBytes, k, dIn, bookPtr, dj, crossPtr, dim, offsets[j]);
    }
  }
  return new Float64Array(w.memory.buffer, crossPtr, dIn * dim).slice();
}

/** productCodeCrossFast's plain loop (float64). */
export function productCodeCross(x: Float32Array, n: number, dIn: number, codes: Int32Array, layout: ProductCodeLayout, k: number, centroids: Float32Array): Float64Array {
  const { m, offsets, dim } = layout;
  const cross = new Float64Array(dIn * dim);
  const sums = new Float64Array(k * dIn);
  for (let j = 0; j < m; j++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const code = codes[i * m + j];
      if (!(code >= 0 && code < k)) throw new RangeError(`productCodeCross: code ${code} at ${i * m + j} is outside [0, ${k})`);
      const so = code * dIn;
      const xo = i * dIn;
      for (let p = 0; p < dIn; p++) sums[so + p] += x[xo + p];
    }
    const dj = offsets[j + 1] - offsets[j];
    const book = k * offsets[j];
    for (let c = 0; c < k; c++) {
      for (let p = 0; p < dIn; p++) {
        const s = sums[c * dIn + p];
        if (s === 0) continue;
        const ro = p * dim + offsets[j];
        for (let t = 0; t < dj; t++) cross[ro + t] += s * centroids[book + c * dj + t];
      }
    }
  }
  return cross;
}
