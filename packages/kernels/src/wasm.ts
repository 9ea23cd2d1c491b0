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
