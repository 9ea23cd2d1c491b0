import { dot } from './distances.js';
import { ensureMemory, instantiateKernels, type KernelExports } from './wasm-instance.js';

/**
 * A fixed set of `count` float32 rows of length `dim`, written once straight into the linear memory
 * of a WASM SIMD instance of its own, then scored against one vector at a time: out_i = ⟨x, row_i⟩
 * (the matmulT kernel, float32 accumulation). Unlike ResidentMatrix it takes the rows in the layout
 * the kernel reads, so filling it is one sequential pass with no transposition and no JS copy: the
 * right shape for a decode-once cache of reconstructed vectors scanned by every query. Where
 * WebAssembly SIMD is missing the rows live in a JS array and `dot` (float64 accumulation) scores
 * them. Not safe to share between threads.
 */
export class ResidentRows {
  private readonly w: KernelExports | null;
  private readonly rowsPtr: number = 0;
  private readonly xPtr: number = 0;
  private readonly outPtr: number = 0;
  private readonly js?: Float32Array;

  constructor(
    readonly count: number,
    readonly dim: number,
  ) {
    if (!Number.isInteger(count) || !Number.isInteger(dim) || count < 1 || dim < 1) {
      throw new RangeError(`ResidentRows: expected a positive whole count and dim, got ${count} × ${dim}`);
    }
    this.w = instantiateKernels();
    if (this.w) {
      this.rowsPtr = (this.w.heapBase() + 15) & ~15;
      this.xPtr = (this.rowsPtr + 4 * count * dim + 15) & ~15;
      this.outPtr = (this.xPtr + 4 * dim + 15) & ~15;
      ensureMemory(this.w, this.outPtr + 4 * count);
    } else {
      this.js = new Float32Array(count * dim);
    }
  }

  /** The rows (count × dim, row-major) to fill in place; a view that stays valid (memory never grows after construction). */
  get rows(): Float32Array {
    return this.w ? new Float32Array(this.w.memory.buffer, this.rowsPtr, this.count * this.dim) : this.js!;
  }

  /** out[i] = ⟨x, row_i⟩ for every row; x holds dim values. */
  dots(x: Float32Array, out: Float32Array = new Float32Array(this.count)): Float32Array {
    const { count, dim, w } = this;
    if (x.length < dim || out.length < count) throw new RangeError(`ResidentRows: need ${dim} inputs and ${count} outputs, got ${x.length} and ${out.length}`);
    if (!w) {
      for (let i = 0; i < count; i++) out[i] = dot(x, 0, this.js!, i * dim, dim);
      return out;
    }
    new Float32Array(w.memory.buffer, this.xPtr, dim).set(x.subarray(0, dim));
    w.matmulT(this.xPtr, 1, dim, this.rowsPtr, count, this.outPtr);
    out.set(new Float32Array(w.memory.buffer, this.outPtr, count));
    return out;
  }
}
