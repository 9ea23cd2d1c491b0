import { compileEmbeddedWasm } from '@reef/kernels';
import { LATTICE_WASM_BASE64 } from './wasm-binary.js';

interface ScanExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  dotsI8(rows: number, n: number, stride: number, w: number, out: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** A fresh instance (own linear memory) of wasm/scan.ts, or null where WebAssembly SIMD is unavailable. */
function instantiate(): ScanExports | null {
  // Under 1 KB: compiled synchronously everywhere. One module, one instance per resident array.
  if (compiled === undefined) compiled = compileEmbeddedWasm(LATTICE_WASM_BASE64);
  return compiled ? (new WebAssembly.Instance(compiled, {}).exports as unknown as ScanExports) : null;
}

/**
 * `count` rows of small integers (int8), resident in their own WASM linear memory, each padded with
 * zeros to `stride` (a multiple of 16) values, scored against float32 weights by one SIMD pass:
 * out[i] = Σ_j w_j · row_i[j]. A quarter of the bytes of float32 rows to stream per query.
 * Where WebAssembly SIMD is missing the rows live in an Int8Array and the sum runs in JavaScript
 * (float32 products and sums in the same lane order, so the same values).
 */
export class Int8Rows {
  readonly stride: number;
  private readonly w: ScanExports | null;
  private readonly rowsAt: number = 0;
  private readonly weightsAt: number = 0;
  private readonly outAt: number = 0;
  private readonly js?: Int8Array;

  /** `useWasm: false` forces the JavaScript path (tests compare the two). */
  constructor(
    readonly count: number,
    dim: number,
    useWasm = true,
  ) {
    this.stride = Math.ceil(dim / 16) * 16;
    this.w = useWasm ? instantiate() : null;
    if (this.w) {
      this.rowsAt = this.w.heapBase();
      this.weightsAt = this.rowsAt + count * this.stride;
      this.outAt = this.weightsAt + 4 * this.stride;
      const needed = this.outAt + 4 * count;
      const have = this.w.memory.buffer.byteLength;
      if (needed > have) this.w.memory.grow(Math.ceil((needed - have) / 65536));
    } else {
      this.js = new Int8Array(count * this.stride);
    }
  }

  /** The rows (count × stride) to fill in place; valid until the next call (memory never grows after construction). */
  get rows(): Int8Array {
    return this.w ? new Int8Array(this.w.memory.buffer, this.rowsAt, this.count * this.stride) : this.js!;
  }

  /** out[i] = Σ_j weights[j] · row_i[j]; weights holds `stride` values (zero past the dimension). */
  dots(weights: Float32Array, out: Float32Array): Float32Array {
    const { count, stride, w } = this;
    if (w) {
      new Float32Array(w.memory.buffer, this.weightsAt, stride).set(weights);
      w.dotsI8(this.rowsAt, count, stride, this.weightsAt, this.outAt);
      out.set(new Float32Array(w.memory.buffer, this.outAt, count));
      return out;
    }
    const rows = this.js!;
    // The WASM kernel's order: 16 float32 partial sums (value j goes to partial j mod 16), combined as
    // its four accumulators and four lanes are, so both paths give the same floats.
    const acc = new Float32Array(16);
    for (let i = 0; i < count; i++) {
      acc.fill(0);
      const o = i * stride;
      for (let j = 0; j < stride; j += 16) {
        for (let k = 0; k < 16; k++) acc[k] += Math.fround(rows[o + j + k] * weights[j + k]);
      }
      let s = 0;
      for (let l = 0; l < 4; l++) s = Math.fround(s + Math.fround(Math.fround(acc[l] + acc[4 + l]) + Math.fround(acc[8 + l] + acc[12 + l])));
      out[i] = s;
    }
    return out;
  }
}
