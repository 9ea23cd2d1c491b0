import { unpackCodes } from './packing.js';
import { SQ_WASM_BASE64 } from './wasm-binary.js';

/**
 * The WASM SIMD scan kernels of wasm/sq.ts (float32 arithmetic, four lanes). Codes are copied into
 * linear memory a few megabytes at a time, so any Uint8Array of codes can be scanned without
 * keeping a second copy. Where WebAssembly SIMD is missing, `sqKernels()` is null and the codec
 * scans in JavaScript.
 */
interface SqKernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  l2u8(codes: number, n: number, dim: number, r: number, step: number, out: number): void;
  ipu8(codes: number, n: number, dim: number, w: number, out: number): void;
  l2u4(codes: number, n: number, dim: number, r: number, step: number, out: number): void;
  ipu4(codes: number, n: number, dim: number, w: number, out: number): void;
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
    // Synchronous compile is fine: the module is about 2 KB, under browsers' 4 KB limit for it.
    cached = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(SQ_WASM_BASE64)), {}).exports as unknown as SqKernelExports;
  } catch {
    cached = null;
  }
  return cached;
}

/** Bytes of codes copied into linear memory per kernel call. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Scores codes of `bits` (8, 6 or 4) bits per dimension. l2 uses r = query − lower and the steps;
 * ip uses w = query · step and adds `constant` (Σ query · lower). 6-bit codes are unpacked to one
 * byte per dimension on the way in and scanned by the 8-bit kernel.
 */
export function wasmScan(
  k: SqKernelExports,
  dim: number,
  bits: number,
  codeSize: number,
  metric: 'l2' | 'ip',
  first: Float32Array,
  step: Float32Array,
  constant: number,
  codes: Uint8Array,
  count: number,
  out: Float32Array,
): void {
  const stored = bits === 6 ? dim : codeSize; // bytes per code in linear memory
  const rows = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / stored)));
  const base = k.heapBase();
  const firstAt = base;
  const stepAt = firstAt + 4 * dim;
  const outAt = stepAt + 4 * dim;
  const codesAt = outAt + 4 * rows;
  const needed = codesAt + rows * stored;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const memory = k.memory.buffer; // after any grow: older views are detached
  new Float32Array(memory, firstAt, dim).set(first);
  new Float32Array(memory, stepAt, dim).set(step);
  const inCodes = new Uint8Array(memory, codesAt, rows * stored);
  const scores = new Float32Array(memory, outAt, rows);
  const kernelBits = bits === 4 ? 4 : 8;
  for (let start = 0; start < count; start += rows) {
    const n = Math.min(rows, count - start);
    if (bits === 6) {
      for (let i = 0; i < n; i++) unpackCodes(codes, (start + i) * codeSize, dim, 6, inCodes.subarray(i * dim, (i + 1) * dim));
    } else {
      inCodes.set(codes.subarray(start * codeSize, (start + n) * codeSize));
    }
    if (metric === 'l2') {
      (kernelBits === 8 ? k.l2u8 : k.l2u4)(codesAt, n, dim, firstAt, stepAt, outAt);
      out.set(scores.subarray(0, n), start);
    } else {
      (kernelBits === 8 ? k.ipu8 : k.ipu4)(codesAt, n, dim, firstAt, outAt);
      for (let i = 0; i < n; i++) out[start + i] = scores[i] + constant;
    }
  }
}
