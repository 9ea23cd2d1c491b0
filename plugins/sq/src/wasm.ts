import { instantiateEmbeddedWasm } from '@reef/kernels';
import { SQ_ENCODE_WASM_BASE64, SQ_WASM_BASE64 } from './wasm-binary.js';

/**
 * The WASM SIMD scan kernels of wasm/sq.ts (float32 arithmetic, four lanes). Codes are copied into
 * linear memory a few megabytes at a time, so any Uint8Array of codes can be scanned without
 * keeping a second copy. Where WebAssembly SIMD is missing, `sqKernels()` is null and the codec
 * scans in JavaScript.
 */
export interface SqKernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  l2u8(codes: number, n: number, dim: number, r: number, step: number, out: number): void;
  ipu8(codes: number, n: number, dim: number, w: number, out: number): void;
  l2u4(codes: number, n: number, dim: number, r: number, step: number, out: number): void;
  ipu4(codes: number, n: number, dim: number, w: number, out: number): void;
  l2u6(codes: number, n: number, dim: number, r: number, step: number, out: number, scratch: number): void;
  ipu6(codes: number, n: number, dim: number, w: number, out: number, scratch: number): void;
  l2f16(codes: number, n: number, dim: number, q: number, out: number): void;
  ipf16(codes: number, n: number, dim: number, q: number, out: number): void;
  l2bf16(codes: number, n: number, dim: number, q: number, out: number): void;
  ipbf16(codes: number, n: number, dim: number, q: number, out: number): void;
}

let cached: SqKernelExports | null | undefined;

export function sqKernels(): SqKernelExports | null {
  // Synchronous compile is fine: the module is under 4 KB, browsers' main-thread limit for it.
  if (cached === undefined) cached = instantiateEmbeddedWasm<SqKernelExports>(SQ_WASM_BASE64);
  return cached;
}

/** Bytes of codes copied into linear memory per kernel call. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Input bytes copied into linear memory per range or encoding call: small enough that the rows (and
 * their codes) stay in the core's L2 cache between the copy and the kernel; 4 MB chunks were slower.
 */
const ENCODE_CHUNK_BYTES = 128 * 1024;

/** What a scan needs besides the codes: the code layout and the query-derived vectors. */
export interface WasmScanPlan {
  readonly dim: number;
  readonly codeSize: number;
  /** u8 / u6 / u4: integer codes of that many bits; f16 / bf16: 16-bit float casts. */
  readonly kind: 'u8' | 'u6' | 'u4' | 'f16' | 'bf16';
  readonly metric: 'l2' | 'ip';
  /** Integer l2: query − lower; integer ip: query · step; float casts: the query. */
  readonly first: Float32Array;
  /** Integer l2: the steps (unused otherwise). */
  readonly step?: Float32Array;
  /** Added to every score (integer ip: Σ query · lower). */
  readonly constant: number;
}

/** Scores `count` codes into `out`, copying them into linear memory a chunk at a time. */
export function wasmScan(k: SqKernelExports, plan: WasmScanPlan, codes: Uint8Array, count: number, out: Float32Array): void {
  const { dim, codeSize, kind, metric } = plan;
  const rows = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / codeSize)));
  const firstAt = k.heapBase();
  const stepAt = firstAt + 4 * dim;
  const scratchAt = stepAt + 4 * dim; // 6-bit codes are unpacked here, one at a time
  const outAt = scratchAt + ((dim + 15) & ~15);
  const codesAt = outAt + 4 * rows;
  const needed = codesAt + rows * codeSize;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const memory = k.memory.buffer; // after any grow: older views are detached
  new Float32Array(memory, firstAt, dim).set(plan.first);
  if (plan.step) new Float32Array(memory, stepAt, dim).set(plan.step);
  const inCodes = new Uint8Array(memory, codesAt, rows * codeSize);
  const scores = new Float32Array(memory, outAt, rows);
  const l2 = metric === 'l2';
  for (let start = 0; start < count; start += rows) {
    const n = Math.min(rows, count - start);
    inCodes.set(codes.subarray(start * codeSize, (start + n) * codeSize));
    switch (kind) {
      case 'u8':
        if (l2) k.l2u8(codesAt, n, dim, firstAt, stepAt, outAt);
        else k.ipu8(codesAt, n, dim, firstAt, outAt);
        break;
      case 'u6':
        if (l2) k.l2u6(codesAt, n, dim, firstAt, stepAt, outAt, scratchAt);
        else k.ipu6(codesAt, n, dim, firstAt, outAt, scratchAt);
        break;
      case 'u4':
        if (l2) k.l2u4(codesAt, n, dim, firstAt, stepAt, outAt);
        else k.ipu4(codesAt, n, dim, firstAt, outAt);
        break;
      case 'f16':
        (l2 ? k.l2f16 : k.ipf16)(codesAt, n, dim, firstAt, outAt);
        break;
      case 'bf16':
        (l2 ? k.l2bf16 : k.ipbf16)(codesAt, n, dim, firstAt, outAt);
        break;
    }
    if (plan.constant === 0) out.set(scores.subarray(0, n), start);
    else for (let i = 0; i < n; i++) out[start + i] = scores[i] + plan.constant;
  }
}

/**
 * Folds the per-dimension minimum and maximum of `count` rows (row-major, `dim` wide) into lower and
 * upper, copying the rows into linear memory a chunk at a time.
 */
export function wasmColumnMinMax(k: EncodeKernelExports, data: Float32Array, count: number, dim: number, lower: Float32Array, upper: Float32Array): void {
  const rows = Math.max(1, Math.min(count, Math.floor(ENCODE_CHUNK_BYTES / (4 * dim))));
  const lowerAt = k.heapBase();
  const upperAt = lowerAt + ((4 * dim + 15) & ~15);
  const rowsAt = upperAt + ((4 * dim + 15) & ~15);
  const needed = rowsAt + 4 * rows * dim;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const memory = k.memory.buffer;
  new Float32Array(memory, lowerAt, dim).set(lower);
  new Float32Array(memory, upperAt, dim).set(upper);
  const block = new Float32Array(memory, rowsAt, rows * dim);
  for (let start = 0; start < count; start += rows) {
    const n = Math.min(rows, count - start);
    block.set(data.subarray(start * dim, (start + n) * dim));
    k.minMaxRows(rowsAt, n, dim, lowerAt, upperAt);
  }
  lower.set(new Float32Array(memory, lowerAt, dim));
  upper.set(new Float32Array(memory, upperAt, dim));
}

/**
 * The kernels that read input vectors (wasm/encode.ts: encoders, min–max, finiteness scan), a
 * second module so that each stays under the 4 KB a browser compiles synchronously on its main
 * thread (this one is about 3.6 KB). Where a browser still refuses, training and encoding run in
 * JavaScript.
 */
export interface EncodeKernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  encodeUniform(x: number, n: number, dim: number, lower: number, inverse: number, bits: number, out: number, scratch: number): number;
  encodeHalves(x: number, n: number, half: number, out: number): number;
  anyNonFinite(x: number, n: number): number;
  minMaxRows(x: number, n: number, dim: number, lower: number, upper: number): void;
}

let cachedEncode: EncodeKernelExports | null | undefined;

/** The encoding kernels, or null where WebAssembly SIMD is missing (the codecs then encode in JS). */
export function encodeKernels(): EncodeKernelExports | null {
  if (cachedEncode === undefined) cachedEncode = instantiateEmbeddedWasm<EncodeKernelExports>(SQ_ENCODE_WASM_BASE64);
  return cachedEncode;
}

/** Grows `k`'s memory to hold `needed` bytes and returns its buffer (older views are detached). */
function memoryFor(k: { readonly memory: WebAssembly.Memory }, needed: number): ArrayBuffer {
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  return k.memory.buffer as ArrayBuffer;
}

/**
 * What an encoder needs besides the vectors: uniform grids take the per-dimension float32 `lower`
 * and `inverse` (1 / step, 0 for an empty range) of the JavaScript encoder, so that the kernels
 * compute the same bits.
 */
export type EncodeSpec =
  | { readonly kind: 'uniform'; readonly dim: number; readonly codeSize: number; readonly bits: number; readonly lower: Float32Array; readonly inverse: Float32Array }
  | { readonly kind: 'fp16' | 'bf16'; readonly dim: number; readonly codeSize: number };

/** Linear memory laid out to encode up to `rows` rows per call: fill `input`, run(n), read `codes`. */
interface EncodeBuffers {
  readonly rows: number;
  readonly input: Float32Array;
  readonly codes: Uint8Array;
  /** Encodes the first n rows of `input` into `codes`; false if a value was NaN or ±Inf. */
  run(n: number): boolean;
}

function encodeBuffers(k: EncodeKernelExports, spec: EncodeSpec, rows: number): EncodeBuffers {
  const { dim, codeSize } = spec;
  const lowerAt = k.heapBase();
  const inverseAt = lowerAt + ((4 * dim + 15) & ~15);
  const scratchAt = inverseAt + ((4 * dim + 15) & ~15); // narrow codes are built here a row at a time
  const inAt = scratchAt + ((dim + 47) & ~15);
  const outAt = inAt + 4 * rows * dim;
  const memory = memoryFor(k, outAt + rows * codeSize);
  const input = new Float32Array(memory, inAt, rows * dim);
  const codes = new Uint8Array(memory, outAt, rows * codeSize);
  if (spec.kind === 'uniform') {
    new Float32Array(memory, lowerAt, dim).set(spec.lower);
    new Float32Array(memory, inverseAt, dim).set(spec.inverse);
    const bits = spec.bits;
    return { rows, input, codes, run: (n) => k.encodeUniform(inAt, n, dim, lowerAt, inverseAt, bits, outAt, scratchAt) === 0 };
  }
  const half = spec.kind === 'fp16' ? 1 : 0;
  return { rows, input, codes, run: (n) => k.encodeHalves(inAt, n * dim, half, outAt) === 0 };
}

/**
 * Codes of `count` rows of `data` into `out`, a cache-sized chunk at a time (copy in, encode, copy
 * out). Returns false, with `out` complete but meaningless, if a value is NaN or ±Inf.
 */
export function wasmEncode(k: EncodeKernelExports, spec: EncodeSpec, data: Float32Array, count: number, out: Uint8Array): boolean {
  const { dim, codeSize } = spec;
  const b = encodeBuffers(k, spec, Math.max(1, Math.min(count, Math.floor(ENCODE_CHUNK_BYTES / (4 * dim)))));
  let finite = true;
  for (let start = 0; start < count; start += b.rows) {
    const n = Math.min(b.rows, count - start);
    b.input.set(data.subarray(start * dim, (start + n) * dim));
    if (!b.run(n)) finite = false;
    out.set(n === b.rows ? b.codes : b.codes.subarray(0, n * codeSize), start * codeSize);
  }
  return finite;
}

/** True if all values of `data` are finite (NaN and ±Inf fail), scanned a chunk at a time. */
export function wasmAllFinite(k: EncodeKernelExports, data: Float32Array): boolean {
  const chunk = Math.max(1, Math.min(data.length, ENCODE_CHUNK_BYTES >> 2));
  const inAt = k.heapBase();
  const input = new Float32Array(memoryFor(k, inAt + 4 * chunk), inAt, chunk);
  for (let start = 0; start < data.length; start += chunk) {
    const m = Math.min(chunk, data.length - start);
    input.set(data.subarray(start, start + m));
    if (k.anyNonFinite(inAt, m)) return false;
  }
  return true;
}
