import { instantiateEmbeddedWasm } from '@reef/kernels';
import { RABITQ_WASM_BASE64 } from './wasm-binary.js';

/**
 * The paper's scan of 1-bit codes (Gao & Long 2024, §3.3.2): the rotated query q' is quantised to
 * 4 bits per coordinate, q'_j ≈ lo + Δ·q̃_j with q̃_j ∈ 0…15 (deterministic rounding), and stored as 4
 * bit-planes, so for code bits u
 *
 *   Σ_j u_j·q'_j ≈ Δ · Σ_b 2^b · popcount(u & plane_b) + lo · popcount(u)
 *
 * and ⟨x, q'⟩ = Σ_j u_j·q'_j − ½·Σ_j q'_j (x_j = u_j − ½) with the sum taken over the quantised query
 * too, so the estimate is that of the code against q̃ exactly. Popcounts of 64-bit words in WASM
 * (`wasm/scan.ts`), of 32-bit words here when WASM is unavailable; both give the same floats.
 */
export interface BitQuery {
  /** 4 planes of `stride` bytes (a multiple of 8 covering the code's value bytes). */
  readonly planes: Uint8Array;
  readonly stride: number;
  readonly delta: number;
  readonly lo: number;
  /** ½ · Σ_j q̃'_j, the quantised query's sum. */
  readonly shift: number;
}

export const QUERY_BITS = 4;

export function quantiseQuery(q: Float64Array, valueBytes: number): BitQuery {
  const dim = q.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < dim; j++) {
    lo = Math.min(lo, q[j]);
    hi = Math.max(hi, q[j]);
  }
  const levels = (1 << QUERY_BITS) - 1;
  const delta = (hi - lo) / levels;
  const stride = Math.ceil(valueBytes / 8) * 8;
  const planes = new Uint8Array(QUERY_BITS * stride);
  let sumLevels = 0;
  for (let j = 0; j < dim; j++) {
    const v = delta > 0 ? Math.min(levels, Math.max(0, Math.round((q[j] - lo) / delta))) : 0;
    sumLevels += v;
    for (let b = 0; b < QUERY_BITS; b++) if ((v >> b) & 1) planes[b * stride + (j >> 3)] |= 1 << (j & 7);
  }
  return { planes, stride, delta, lo, shift: 0.5 * (delta * sumLevels + lo * dim) };
}

/** What each score is: l2 or ip, unbiased estimate or shrunk by ip² (the decoded-vector distance). */
export interface ScanMode {
  readonly l2: boolean;
  readonly shrink: boolean;
  /** l2: ‖q − c‖²; ip: ⟨q, c⟩. */
  readonly base: number;
}

interface ScanExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  scan1(codes: number, n: number, codeSize: number, valueBytes: number, planes: number, stride: number, delta: number, lo: number, shift: number, base: number, mode: number, out: number): number;
}

let cached: ScanExports | null | undefined;

function kernels(): ScanExports | null {
  // Under 1 KB: browsers compile it synchronously on the main thread too.
  if (cached === undefined) cached = instantiateEmbeddedWasm<ScanExports>(RABITQ_WASM_BASE64);
  return cached;
}

/** Bytes of codes copied into linear memory per kernel call (stays in L2 with the output). */
const CHUNK_BYTES = 256 * 1024;

/**
 * Scores `count` codes into `out`; returns the index of the first code whose correction factors
 * are invalid (then stops), or −1. `useWasm: false` forces the JavaScript path (tests compare them).
 */
export function scanBits(codes: Uint8Array, count: number, codeSize: number, valueBytes: number, query: BitQuery, mode: ScanMode, out: Float32Array, useWasm = true): number {
  const k = useWasm ? kernels() : null;
  if (!k) return scanBitsJs(codes, count, codeSize, valueBytes, query, mode, out);
  const rows = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / codeSize)));
  const planesAt = k.heapBase();
  const outAt = planesAt + query.planes.length;
  const codesAt = outAt + 4 * rows;
  const needed = codesAt + rows * codeSize;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const memory = k.memory.buffer;
  new Uint8Array(memory, planesAt, query.planes.length).set(query.planes);
  const inCodes = new Uint8Array(memory, codesAt, rows * codeSize);
  const scores = new Float32Array(memory, outAt, rows);
  const flags = (mode.l2 ? 1 : 0) | (mode.shrink ? 2 : 0);
  for (let start = 0; start < count; start += rows) {
    const n = Math.min(rows, count - start);
    inCodes.set(codes.subarray(start * codeSize, (start + n) * codeSize));
    const bad = k.scan1(codesAt, n, codeSize, valueBytes, planesAt, query.stride, query.delta, query.lo, query.shift, mode.base, flags, outAt);
    if (bad >= 0) return start + bad;
    out.set(scores.subarray(0, n), start);
  }
  return -1;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The same computation as wasm/scan.ts's scan1, 32 bits at a time. */
function scanBitsJs(codes: Uint8Array, count: number, codeSize: number, valueBytes: number, query: BitQuery, mode: ScanMode, out: Float32Array): number {
  const { planes, stride, delta, lo, shift } = query;
  const factors = new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
  const { l2, shrink, base } = mode;
  for (let i = 0; i < count; i++) {
    const c = i * codeSize;
    let ones = 0;
    let weighted = 0;
    for (let o = 0; o < valueBytes; o += 4) {
      // Little-endian 32-bit word of code bits; bytes past the values count as 0.
      let x = 0;
      for (let b = 0; b < 4 && o + b < valueBytes; b++) x |= codes[c + o + b] << (8 * b);
      if (x === 0) continue;
      ones += popcount32(x);
      for (let p = 0; p < QUERY_BITS; p++) {
        const at = p * stride + o;
        const plane = planes[at] | (planes[at + 1] << 8) | (planes[at + 2] << 16) | (planes[at + 3] << 24);
        weighted += popcount32(x & plane) << p;
      }
    }
    const norm = factors.getFloat32(c + valueBytes, true);
    const rescale = factors.getFloat32(c + valueBytes + 4, true);
    const ip = factors.getFloat32(c + valueBytes + 8, true);
    if (!(norm >= 0 && norm < Infinity && rescale >= 0 && rescale < Infinity && ip > 0 && ip <= 1 + 1e-5)) return i;
    const inner = rescale * (delta * weighted + lo * ones - shift);
    let v: number;
    if (l2) v = shrink ? base + ip * ip * (norm * norm - 2 * inner) : norm * norm + base - 2 * inner;
    else v = shrink ? base + ip * ip * inner : base + inner;
    out[i] = v;
  }
  return -1;
}
