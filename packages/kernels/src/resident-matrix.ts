import { multiply } from './linalg.js';
import { ensureMemory, instantiateKernels, type KernelExports } from './wasm-instance.js';

/**
 * y = x R for one fixed matrix R (a × b, row-major), e.g. a learned rotation applied to every
 * query. R is transposed and copied into a WASM SIMD instance of its own once, so each call costs
 * the copy of its rows in and out, not of R: a single row is a matrix–vector product at SIMD speed.
 * Results equal multiplyFast's bit for bit (the same kernel). Where WebAssembly SIMD is missing it
 * runs multiply (JS). Not safe to share between threads; make one per worker.
 */
export class ResidentMatrix {
  private readonly w: KernelExports | null;
  private readonly rPtr: number = 0;
  private readonly rowsPtr: number = 0;
  private capacity = 0;

  constructor(
    private readonly r: Float32Array,
    readonly a: number,
    readonly b: number,
  ) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1 || r.length < a * b) {
      throw new RangeError(`ResidentMatrix: expected ${a} × ${b} = ${a * b} floats, got ${r.length}`);
    }
    this.w = instantiateKernels();
    if (this.w) {
      this.rPtr = (this.w.heapBase() + 15) & ~15;
      this.rowsPtr = (this.rPtr + 4 * a * b + 15) & ~15;
      ensureMemory(this.w, this.rowsPtr);
      const rt = new Float32Array(this.w.memory.buffer, this.rPtr, a * b);
      for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) rt[q * a + p] = r[p * b + q];
    }
  }

  /** n rows of x (n × a) times R: n × b. */
  multiply(x: Float32Array, n: number, out: Float32Array = new Float32Array(n * this.b)): Float32Array {
    const { a, b, w } = this;
    if (x.length < n * a) throw new RangeError(`ResidentMatrix: ${n} rows of ${a} need ${n * a} floats, got ${x.length}`);
    if (!w) return multiply(x, n, a, this.r, b, out);
    // Rows per call: ~4 MB of input and output in linear memory, however large n is.
    const rows = Math.max(1, Math.min(n, Math.floor((4 << 20) / (4 * (a + b)))));
    if (rows > this.capacity) {
      ensureMemory(w, this.rowsPtr + 4 * rows * (a + b));
      this.capacity = rows;
    }
    const outPtr = this.rowsPtr + 4 * rows * a;
    for (let i0 = 0; i0 < n; i0 += rows) {
      const cnt = Math.min(rows, n - i0);
      new Float32Array(w.memory.buffer, this.rowsPtr, cnt * a).set(x.subarray(i0 * a, (i0 + cnt) * a));
      w.matmulT(this.rowsPtr, cnt, a, this.rPtr, b, outPtr);
      out.set(new Float32Array(w.memory.buffer, outPtr, cnt * b), i0 * b);
    }
    return out;
  }
}
