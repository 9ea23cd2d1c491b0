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
  minMaxRows(x: number, n: number, dim: number, lower: number, upper: number): void;
}

let cached: SqKernelExports | null | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export function sqKernels(): SqKernelExports | null {
  if (cached !== undefined) return cached;
  try {
    // Synchronous compile: the module is about 4 KB, near browsers' main-thread limit for it.
    cached = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(SQ_WASM_BASE64)), {}).exports as unknown as SqKernelExports;
  } catch {
    cached = null;
  }
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
export function wasmColumnMinMax(k: SqKernelExports, data: Float32Array, count: number, dim: number, lower: Float32Array, upper: Float32Array): void {
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

/** The encoding kernels of wasm/encode.ts (a second module; see scripts/build-wasm.mjs). */
export interface EncodeKernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  encodeUniform(x: number, n: number, dim: number, lower: number, inverse: number, bits: number, out: number, scratch: number): number;
  encodeHalves(x: number, n: number, half: number, out: number): number;
  anyNonFinite(x: number, n: number): number;
}

let cachedEncode: EncodeKernelExports | null | undefined;

/** The encoding kernels, or null where WebAssembly SIMD is missing (the codecs then encode in JS). */
export function encodeKernels(): EncodeKernelExports | null {
  if (cachedEncode !== undefined) return cachedEncode;
  try {
    cachedEncode = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(SQ_ENCODE_WASM_BASE64)), {}).exports as unknown as EncodeKernelExports;
  } catch {
    cachedEncode = null;
  }
  return cachedEncode;
}


/** Grows `k`'s memory to hold `needed` bytes and returns its buffer (older views are detached). */
function memoryFor(k: { readonly memory: WebAssembly.Memory }, needed: number): ArrayBuffer {
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  return k.memory.buffer as ArrayBuffer;
}

/**
 * Uniform-grid codes of `count` rows into `out` (see encodeUniform in wasm/encode.ts): lower and
 * inverse are the per-dimension float64 values of the JavaScript encoder, so the codes are the
 * same bits. Returns false, with `out` incomplete, if a value is NaN or ±Inf.
 */
export function wasmEncodeUniform(
  k: EncodeKernelExports,
  data: Float32Array,
  count: number,
  dim: number,
  lower: Float64Array,
  inverse: Float64Array,
  bits: number,
  codeSize: number,
  out: Uint8Array,
): boolean {
  const rows = Math.max(1, Math.min(count, Math.floor(ENCODE_CHUNK_BYTES / (4 * dim))));
  const lowerAt = k.heapBase();
  const inverseAt = lowerAt + 8 * dim;
  const scratchAt = inverseAt + 8 * dim;
  const inAt = scratchAt + ((dim + 47) & ~15);
  const outAt = inAt + 4 * rows * dim;
  const memory = memoryFor(k, outAt + rows * codeSize);
  new Float64Array(memory, lowerAt, dim).set(lower);
  new Float64Array(memory, inverseAt, dim).set(inverse);
  const input = new Float32Array(memory, inAt, rows * dim);
  const codes = new Uint8Array(memory, outAt, rows * codeSize);
  let bad = 0;
  for (let start = 0; start < count; start += rows) {
    const n = Math.min(rows, count - start);
    input.set(data.subarray(start * dim, (start + n) * dim));
    bad |= k.encodeUniform(inAt, n, dim, lowerAt, inverseAt, bits, outAt, scratchAt);
    out.set(n === rows ? codes : codes.subarray(0, n * codeSize), start * codeSize);
  }
  return bad === 0;
}

/** fp16 (half) or bf16 casts of `n` values into `out`, two bytes each; false if one is not finite. */
export function wasmEncodeHalves(k: EncodeKernelExports, data: Float32Array, n: number, half: boolean, out: Uint8Array): boolean {
  const chunk = Math.max(8, Math.min(n, ENCODE_CHUNK_BYTES >> 2));
  const inAt = k.heapBase();
  const outAt = inAt + 4 * chunk;
  const memory = memoryFor(k, outAt + 2 * chunk);
  const input = new Float32Array(memory, inAt, chunk);
  const codes = new Uint8Array(memory, outAt, 2 * chunk);
  let bad = 0;
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    input.set(data.subarray(start, start + m));
    bad |= k.encodeHalves(inAt, m, half ? 1 : 0, outAt);
    out.set(m === chunk ? codes : codes.subarray(0, 2 * m), 2 * start);
  }
  return bad === 0;
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
