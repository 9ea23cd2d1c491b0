import { instantiateEmbeddedWasm } from './embedded-wasm.js';
import { BLOCK } from './fast-scan-layout.js';
import { topK } from './topk.js';
import { FAST_SCAN_WASM_BASE64 } from './wasm-binary.js';

interface FastScanExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  fastScan(codes: number, nblocks: number, n: number, m: number, lut: number, nq: number, cap: number, vals: number, ids: number, sums: number): void;
  fastScanAll(codes: number, nblocks: number, m: number, lut: number, out: number): void;
}

const align = (p: number): number => (p + 15) & ~15;

/**
 * The fast-scan kernels of wasm/fast-scan.ts on a WASM instance of its own, holding one set of
 * blocked codes (fast-scan-layout.ts) in its memory, and scanning them with queries' u8 tables
 * (fast-scan-tables.ts): the cap smallest u16 sums per query (ties: lower id first), or every sum.
 * Where WebAssembly SIMD is missing, JS loops give the same integers. Not safe to share between
 * threads; make one per worker.
 */
export class FastScanKernel {
  private readonly w: FastScanExports | null;
  private codesPtr = 0;
  private free = 0;
  private n = 0;
  private blocks = 0;
  private jsCodes: Uint8Array = new Uint8Array(0);

  /** @param wasm false: the JS loops even where WASM SIMD runs (tests compare the two). */
  constructor(
    readonly m: number,
    wasm = true,
  ) {
    this.w = wasm ? instantiateEmbeddedWasm<FastScanExports>(FAST_SCAN_WASM_BASE64) : null;
  }

  /** Whether the WASM SIMD kernel runs (else the same sums come from JS). */
  get accelerated(): boolean {
    return this.w !== null;
  }

  /** Copies in the blocked codes of n vectors, for the scans that follow. */
  loadCodes(blocked: Uint8Array, n: number): void {
    this.n = n;
    this.blocks = Math.ceil(n / BLOCK);
    const bytes = this.blocks * this.m * 16;
    if (blocked.length < bytes) throw new RangeError(`FastScanKernel: ${n} codes need ${bytes} blocked bytes, got ${blocked.length}`);
    const { w } = this;
    if (!w) {
      this.jsCodes = blocked.subarray(0, bytes);
      return;
    }
    this.codesPtr = align(w.heapBase());
    this.free = align(this.codesPtr + bytes);
    this.ensure(this.free);
    new Uint8Array(w.memory.buffer, this.codesPtr, bytes).set(blocked.subarray(0, bytes));
  }

  /**
   * For each of nq queries (u8 tables of m × 16 back to back in `luts`), the ids of the `cap`
   * smallest sums, smallest first (ties: lower id), into ids/sums at q × cap; past the number of
   * codes, ids are -1.
   */
  nearest(luts: Uint8Array, nq: number, cap: number, ids: Int32Array, sums: Int32Array): void {
    const { m, n, w } = this;
    const size = Math.min(cap, n);
    if (!w) {
      const all = new Uint16Array(this.blocks * BLOCK);
      const asFloat = new Float32Array(n);
      const topIds = new Int32Array(size);
      const topVals = new Float32Array(size);
      for (let q = 0; q < nq; q++) {
        this.sumsJs(luts.subarray(q * m * 16, (q + 1) * m * 16), all);
        for (let i = 0; i < n; i++) asFloat[i] = all[i];
        topK(asFloat, size, true, topIds, topVals);
        for (let r = 0; r < cap; r++) {
          ids[q * cap + r] = r < size ? topIds[r] : -1;
          sums[q * cap + r] = r < size ? topVals[r] : 0;
        }
      }
      return;
    }
    const lutPtr = this.free;
    const scratch = align(lutPtr + nq * m * 16);
    const valsPtr = scratch + 64;
    const idsPtr = valsPtr + 4 * nq * cap;
    this.ensure(idsPtr + 4 * nq * cap);
    new Uint8Array(w.memory.buffer, lutPtr, nq * m * 16).set(luts.subarray(0, nq * m * 16));
    w.fastScan(this.codesPtr, this.blocks, n, m, lutPtr, nq, cap, valsPtr, idsPtr, scratch);
    const heapVals = new Int32Array(w.memory.buffer, valsPtr, nq * cap);
    const heapIds = new Int32Array(w.memory.buffer, idsPtr, nq * cap);
    // Each heap best first: by sum, then id.
    const order = Array.from({ length: size }, (_, i) => i);
    for (let q = 0; q < nq; q++) {
      const o = q * cap;
      order.sort((a, b) => heapVals[o + a] - heapVals[o + b] || heapIds[o + a] - heapIds[o + b]);
      for (let r = 0; r < cap; r++) {
        ids[o + r] = r < size ? heapIds[o + order[r]] : -1;
        sums[o + r] = r < size ? heapVals[o + order[r]] : 0;
      }
    }
  }

  /** Every code's sum for one query's u8 table, in code order (the first n entries of `out`). */
  sumsAll(lut: Uint8Array, out: Uint16Array = new Uint16Array(this.blocks * BLOCK)): Uint16Array {
    const { m, w } = this;
    if (!w) return this.sumsJs(lut, out);
    const lutPtr = this.free;
    const outPtr = align(lutPtr + m * 16);
    this.ensure(outPtr + 2 * this.blocks * BLOCK);
    new Uint8Array(w.memory.buffer, lutPtr, m * 16).set(lut.subarray(0, m * 16));
    w.fastScanAll(this.codesPtr, this.blocks, m, lutPtr, outPtr);
    out.set(new Uint16Array(w.memory.buffer, outPtr, Math.min(out.length, this.blocks * BLOCK)));
    return out;
  }

  /** The kernel's integer sums in JS (no WASM SIMD): the same values. */
  private sumsJs(lut: Uint8Array, out: Uint16Array): Uint16Array {
    const { m, jsCodes } = this;
    for (let b = 0; b < this.blocks; b++) {
      for (let p = 0; p < 16; p++) {
        let lo = 0;
        let hi = 0;
        for (let j = 0, o = b * m * 16 + p; j < m; j++, o += 16) {
          lo += lut[j * 16 + (jsCodes[o] & 15)];
          hi += lut[j * 16 + (jsCodes[o] >> 4)];
        }
        out[b * BLOCK + p] = lo;
        out[b * BLOCK + 16 + p] = hi;
      }
    }
    return out;
  }

  private ensure(bytes: number): void {
    const memory = this.w!.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  }
}
