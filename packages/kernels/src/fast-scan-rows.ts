import { compileEmbeddedWasm } from './embedded-wasm.js';
import { FAST_SCAN_ROWS_WASM_BASE64 } from './wasm-binary.js';

interface RowsExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  fastScanRows(rows: number, n: number, stride: number, bytes: number, lut: number, out: number): void;
}

/** Rows copied into linear memory and scanned per kernel call: a multiple of 16 small enough to stay in cache. */
const CHUNK_ROWS = 4096;

const align = (p: number): number => (p + 15) & ~15;

let compiled: WebAssembly.Module | null | undefined;

/**
 * 4-bit fast scan (u8 tables, WASM SIMD swizzles, u16 sums) of codes kept in their own per-vector
 * layout: row i at i·stride, its first `bytes` bytes holding 2·bytes sub-codes of 4 bits (sub-code
 * 2t in the low nibble of byte t, 2t + 1 in the high one), any other bytes of a row (a method's own
 * factors) skipped. Each call copies the rows into linear memory a chunk at a time and the kernel
 * (wasm/fast-scan-rows.ts) transposes 16 rows at a time in registers, so no blocked copy of the codes
 * is kept or made: the sums equal FastScanKernel.sumsAll's over blockCodes of the same sub-codes.
 * The table is 2·bytes × 16 u8 (sub-code j's entries at 16j, e.g. from quantizeTable); the caller
 * keeps 2·bytes entries' worth of u8 sums under 65,536. Where WebAssembly SIMD is missing a JS loop
 * gives the same integers. Not safe to share between threads; make one per worker.
 */
export class FastScanRows {
  private readonly w: RowsExports | null;

  /** @param wasm false: the JS loop even where WASM SIMD runs (tests compare the two). */
  constructor(wasm = true) {
    if (wasm && compiled === undefined) compiled = compileEmbeddedWasm(FAST_SCAN_ROWS_WASM_BASE64);
    this.w = wasm && compiled ? (new WebAssembly.Instance(compiled, {}).exports as unknown as RowsExports) : null;
  }

  /** Whether the WASM SIMD kernel runs (else the same sums come from JS). */
  get accelerated(): boolean {
    return this.w !== null;
  }

  /** out[i] = Σ_j lut[16j + sub-code j of row i] for the n rows of `rows`. */
  sums(rows: Uint8Array, n: number, stride: number, bytes: number, lut: Uint8Array, out: Uint16Array = new Uint16Array(n)): Uint16Array {
    if (!(bytes >= 1 && stride >= bytes && rows.length >= n * stride && lut.length >= 32 * bytes && out.length >= n)) {
      throw new RangeError(`FastScanRows: ${n} rows of stride ${stride} with ${bytes} code bytes need ${n * stride} row bytes, ${32 * bytes} table entries and ${n} outputs; got ${rows.length}, ${lut.length} and ${out.length}`);
    }
    const { w } = this;
    if (!w) return sumsJs(rows, n, stride, bytes, lut, out);
    const lutBytes = Math.ceil(bytes / 16) * 512;
    const chunk = Math.min(CHUNK_ROWS, Math.ceil(n / 16) * 16);
    const lutPtr = align(w.heapBase());
    const outPtr = lutPtr + lutBytes;
    const rowsPtr = align(outPtr + 2 * chunk);
    // 16 readable bytes past the last row: a row's slices are read 16 bytes at a time.
    const end = rowsPtr + chunk * stride + 16;
    const have = w.memory.buffer.byteLength;
    if (end > have) w.memory.grow(Math.ceil((end - have) / 65536));
    const heap = new Uint8Array(w.memory.buffer);
    heap.set(lut.subarray(0, 32 * bytes), lutPtr);
    heap.fill(0, lutPtr + 32 * bytes, lutPtr + lutBytes); // tables past the real ones add nothing
    const sums = new Uint16Array(w.memory.buffer, outPtr, chunk);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const padded = Math.ceil(count / 16) * 16;
      heap.set(rows.subarray(start * stride, (start + count) * stride), rowsPtr);
      heap.fill(0, rowsPtr + count * stride, rowsPtr + padded * stride + 16);
      w.fastScanRows(rowsPtr, padded, stride, bytes, lutPtr, outPtr);
      out.set(sums.subarray(0, count), start);
    }
    return out;
  }
}

/** The kernel's sums in JS (no WASM SIMD): the same integers. */
function sumsJs(rows: Uint8Array, n: number, stride: number, bytes: number, lut: Uint8Array, out: Uint16Array): Uint16Array {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let t = 0, o = i * stride; t < bytes; t++, o++) sum += lut[32 * t + (rows[o] & 15)] + lut[32 * t + 16 + (rows[o] >> 4)];
    out[i] = sum;
  }
  return out;
}
