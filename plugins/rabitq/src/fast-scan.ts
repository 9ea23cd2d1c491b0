import { FastScanRows, instantiateEmbeddedWasm, quantizeTable } from '@reef/kernels';
import type { ScanMode } from './bit-scan.js';
import { RABITQ_FAST_SCAN_WASM_BASE64 } from './wasm-binary.js';

/**
 * The paper's fast-scan path for 1-bit codes (Gao & Long 2024, §3.3.2, the 4-bit fast scan of PQ
 * applied to code bits): the D code bits are read as D/4 sub-codes of 4 bits (dimensions 4j … 4j+3,
 * the low or high nibble of a code byte), sub-code j's 16-entry table holds Σ_{i: bit i set} q'_{4j+i},
 * and the tables are quantised to u8 (quantizeTable: per table its minimum as a bias, one scale), so
 *
 *   Σ_j u_j·q'_j ≈ S / scale + bias      S = the u16 sum of table entries the SIMD scan returns.
 *
 * Each entry is off by at most half a step (1/(2·scale)), far less than the 4-bit query's rounding
 * (Δ/2 per coordinate, Δ = range/15). The scan is @reef/kernels' FastScanRows (WASM SIMD swizzles,
 * 16 codes at a time, straight from the stored codes); the per-code factors are applied here.
 */
export interface FastScanQuery {
  /** 2·valueBytes tables of 16 u8, sub-code j's at 16j. */
  readonly lut: Uint8Array;
  readonly scale: number;
  readonly bias: number;
}

/** The u8 tables of one rotated query q' for 1-bit codes of `valueBytes` bytes. */
export function fastScanQuery(q: Float64Array, valueBytes: number): FastScanQuery {
  const m = 2 * valueBytes;
  const table = new Float32Array(m * 16);
  for (let j = 0; j < m; j++) {
    for (let nibble = 1; nibble < 16; nibble++) {
      let s = 0;
      for (let i = 0; i < 4; i++) {
        const d = 4 * j + i;
        if ((nibble >> i) & 1 && d < q.length) s += q[d];
      }
      table[j * 16 + nibble] = s;
    }
  }
  const lut = new Uint8Array(m * 16);
  const { scale, bias } = quantizeTable(table, m, lut);
  return { lut, scale, bias };
}

interface FastScanExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  /** step, offset and base arrive as float32 (the WASM boundary rounds them). */
  scanFast1(codes: number, n: number, valid: number, codeSize: number, valueBytes: number, lut: number, sums: number, step: number, offset: number, base: number, mode: number, out: number): number;
}

let kernel: FastScanExports | null | undefined;
let jsSums = new Uint16Array(0);

/** Codes copied into linear memory per kernel call (a multiple of 16; stays in cache with the scores). */
const CHUNK = 4096;

/**
 * Scores `count` 1-bit codes into `out` from the u8 tables: inner = rescale·(S/scale + bias − shift)
 * with shift = ½·Σ q'_j, then the estimate or the decoded-vector distance as the popcount scan does.
 * In WASM (wasm/fast-scan.ts: @reef/kernels' fast-scan kernel with the per-code step fused after it,
 * one pass over the codes); without it, FastScanRows' JS sums and the same step in JS (same floats).
 * Returns the index of the first code with invalid correction factors (then stops), or −1.
 * `useWasm: false` forces the JavaScript path (tests compare them).
 */
export function scanFast(codes: Uint8Array, count: number, codeSize: number, valueBytes: number, query: FastScanQuery, shift: number, mode: ScanMode, out: Float32Array, useWasm = true): number {
  const step = 1 / query.scale;
  const offset = query.bias - shift;
  const w = useWasm ? (kernel === undefined ? (kernel = instantiateEmbeddedWasm<FastScanExports>(RABITQ_FAST_SCAN_WASM_BASE64)) : kernel) : null;
  if (!w) {
    if (jsSums.length < count) jsSums = new Uint16Array(count);
    new FastScanRows(false).sums(codes, count, codeSize, valueBytes, query.lut, jsSums);
    return finishJs(codes, codeSize, valueBytes, count, jsSums, step, offset, mode, out);
  }
  const rows = Math.min(CHUNK, Math.ceil(count / 16) * 16);
  const lutBytes = Math.ceil(valueBytes / 16) * 512;
  const lutAt = w.heapBase();
  const sumsAt = lutAt + lutBytes;
  const outAt = sumsAt + 32;
  const codesAt = outAt + 4 * rows;
  // 16 readable bytes past the last code: each code is read 16 bytes at a time.
  const needed = codesAt + rows * codeSize + 16;
  const have = w.memory.buffer.byteLength;
  if (needed > have) w.memory.grow(Math.ceil((needed - have) / 65536));
  const heap = new Uint8Array(w.memory.buffer);
  heap.set(query.lut.subarray(0, 32 * valueBytes), lutAt);
  heap.fill(0, lutAt + 32 * valueBytes, lutAt + lutBytes); // tables past the real ones add nothing
  const scores = new Float32Array(w.memory.buffer, outAt, rows);
  const flags = (mode.l2 ? 1 : 0) | (mode.shrink ? 2 : 0);
  for (let start = 0; start < count; start += rows) {
    const n = Math.min(rows, count - start);
    const padded = Math.ceil(n / 16) * 16;
    heap.set(codes.subarray(start * codeSize, (start + n) * codeSize), codesAt);
    heap.fill(0, codesAt + n * codeSize, codesAt + padded * codeSize + 16);
    const bad = w.scanFast1(codesAt, padded, n, codeSize, valueBytes, lutAt, sumsAt, step, offset, mode.base, flags, outAt);
    if (bad >= 0) return start + bad;
    out.set(scores.subarray(0, n), start);
  }
  return -1;
}

/** scanFast1's per-code step in JavaScript: the same float32 operations in the same order, so the same floats. */
function finishJs(codes: Uint8Array, codeSize: number, valueBytes: number, count: number, sums: Uint16Array, step: number, offset: number, mode: ScanMode, out: Float32Array): number {
  const f = Math.fround;
  const view = new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
  const { l2, shrink } = mode;
  const st = f(step);
  const off = f(offset);
  const base = f(mode.base);
  for (let i = 0; i < count; i++) {
    const at = i * codeSize + valueBytes;
    const norm = view.getFloat32(at, true);
    const rescale = view.getFloat32(at + 4, true);
    const ip = view.getFloat32(at + 8, true);
    if (!(norm >= 0 && norm < Infinity && rescale >= 0 && rescale < Infinity && ip > 0 && ip <= 1 + 1e-5)) return i;
    const inner = f(rescale * f(f(sums[i] * st) + off));
    const w = shrink ? f(ip * ip) : 1;
    const nn = f(norm * norm);
    if (l2) out[i] = shrink ? f(f(w * f(nn - f(2 * inner))) + base) : f(f(nn + base) - f(2 * inner));
    else out[i] = f(f(w * inner) + base);
  }
  return -1;
}

/** Σ_j u_j·q'_j over the set bits of the 1-bit code at `offset`, in float64 (the re-ranking's exact sum). */
export function bitsDot(codes: Uint8Array, offset: number, q: Float64Array): number {
  let s = 0;
  for (let d = 0; d < q.length; d += 8) {
    const byte = codes[offset + (d >> 3)];
    if (byte === 0) continue;
    for (let i = 0; i < 8; i++) if ((byte >> i) & 1) s += q[d + i];
  }
  return s;
}
