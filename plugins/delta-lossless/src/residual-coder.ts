import { ReefError } from '@reef/core';
import { ADAPT_LIMIT, ADAPT_RATE, ByteModel, RangeDecoder } from '@reef/codecs';
import { RESIDUAL_CODER_WASM_BASE64 } from './wasm-binary.js';

/**
 * Codes integer residuals (zigzag, < 2^32) the way fpzip and FPC code float prediction errors: the
 * bit length L of each residual is coded by the adaptive arithmetic coder of `@reef/codecs`, the bit
 * right below its leading 1 too (context: L), and the L - 2 bits under that are stored raw. Below
 * the top bits of a float update the bits are noise; spending no model on them keeps this fast and
 * costs nothing.
 *
 * The context of L is what the neighbours predict: the left and upper element's residual size in
 * absolute terms (L plus the binary exponent of the prediction, so a residual of a few ulps of a
 * large weight counts as large), minus the element's own exponent. In a weight matrix an update's
 * size follows its row (output unit) and column (input feature); that is what the two neighbours
 * carry.
 */

const CONTEXTS = 48;
/** 2^k for k < 32 (Math.pow per element is measurably slower). */
const POW2 = Float64Array.from({ length: 32 }, (_, k) => 2 ** k);

/** Context for element i (column j) from the lengths-plus-exponents (`size`) of the elements before it. */
function contextOf(size: Int32Array, exponent: number, i: number, j: number, cols: number): number {
  const left = j !== 0 ? size[i - 1] : -1;
  const up = i >= cols ? size[i - cols] : -1;
  let guess: number;
  if (left >= 0 && up >= 0) guess = (left + up + 1) >> 1;
  else if (left >= 0 || up >= 0) guess = Math.max(left, up);
  else return 0;
  const c = guess - exponent + 1;
  return c < 1 ? 1 : c >= CONTEXTS ? CONTEXTS - 1 : c;
}

/** Raw bits, least significant first (the encoder writes them inline). */
class BitReader {
  private at = 0;
  private acc = 0;
  private count = 0;
  constructor(private readonly bytes: Uint8Array) {}
  /** The next `n` bits (n ≤ 24). */
  read(n: number): number {
    while (this.count < n) {
      if (this.at >= this.bytes.length) throw new ReefError('BAD_MODEL', 'residual raw bits end early');
      this.acc = (this.acc | (this.bytes[this.at++] << this.count)) >>> 0;
      this.count += 8;
    }
    const v = this.acc & ((1 << n) - 1);
    this.acc >>>= n;
    this.count -= n;
    return v;
  }
  readLong(n: number): number {
    if (n > 24) {
      const low = this.read(16);
      return low + this.read(n - 16) * 65536;
    }
    return this.read(n);
  }
  remaining(): number {
    return this.bytes.length - this.at;
  }
}

export interface CodedResiduals {
  /** Arithmetic-coded bit lengths and the bits below each leading 1. */
  readonly coded: Uint8Array;
  /** The remaining low bits of every residual, packed. */
  readonly raw: Uint8Array;
}

/*
 * Binarisation of L given the neighbours' guess g (the context minus one): "L = g?", then the sign
 * of L - g, then |L - g| in unary ("is it 1? 2? ..."), past UNARY_MAX the rest of L raw; then the
 * bit below the leading 1 (context: L). About four adaptive decisions per element where a byte tree
 * takes eight, at the same size: each decision is modelled per context.
 */
const UNARY_MAX = 12;
const NODE_ZERO = 1;
const NODE_SIGN = 2;
const NODE_UNARY = 3; // + k - 1 for "|L - g| = k?"
/** Model index of the bit below the leading 1 of a length-L residual: BELOW + L (after the length contexts). */
const BELOW = CONTEXTS << 8;

/** The compiled encoder loop (wasm/residual-coder.ts): its exports, and its memory's regions. */
interface CoderWasm {
  readonly memory: WebAssembly.Memory;
  readonly start: (cols: number) => void;
  readonly encodeRun: (count: number) => number;
  readonly rawBytes: () => number;
  readonly finish: () => number;
  readonly startDecode: (cols: number, coded: number, codedLength: number, raw: number, rawLength: number) => void;
  readonly decodeRun: (count: number) => number;
  readonly codedLeft: () => number;
  readonly rawLeft: () => number;
  readonly RATE: WebAssembly.Global;
  readonly Z: WebAssembly.Global;
  readonly E: WebAssembly.Global;
  readonly RAW: WebAssembly.Global;
  readonly CODED: WebAssembly.Global;
  readonly SIZES: WebAssembly.Global;
  readonly T: WebAssembly.Global;
  readonly PRED: WebAssembly.Global;
  readonly residualsRun: (count: number, width: number, shift: number, mask: number) => void;
  readonly exponentsRun: (count: number, shift: number, mask: number) => void;
  readonly targetsRun: (count: number, width: number) => void;
  readonly CHUNK: WebAssembly.Global;
}

let coderWasm: CoderWasm | null | undefined;

/** The WASM encoder, instantiated on first use; null where WebAssembly is missing or refuses it (the JS loop then). */
function wasmCoder(): CoderWasm | null {
  if (coderWasm !== undefined) return coderWasm;
  try {
    const text = atob(RESIDUAL_CODER_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const w = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as CoderWasm;
    new Uint32Array(w.memory.buffer, w.RATE.value, ADAPT_RATE.length).set(ADAPT_RATE);
    coderWasm = w;
  } catch {
    coderWasm = null;
  }
  return coderWasm;
}

/** Grows the module's memory to `bytes`; false where the host refuses (the JS loops then). */
function reserve(w: CoderWasm, bytes: number): boolean {
  const have = w.memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    w.memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

/** Rows longer than this (a 1-D tensor is one row) are coded in JS: the WASM loop keeps a row of sizes in its memory. */
const WASM_MAX_COLS = 1 << 22;

/**
 * Codes `z` (zigzag residuals, one per element, row-major with `cols` per row); `exponent[i]` is the
 * prediction's exponent field of element i, which the decoder knows before it decodes i.
 *
 * In WebAssembly where it runs (wasm/residual-coder.ts: compiled before it runs, so a single call
 * in a fresh process, as the CLI makes, is not left to the JIT's warm-up), else `encodeResidualsJs`;
 * the same bytes either way.
 */
export function encodeResiduals(z: Uint32Array, exponent: Uint8Array, cols: number, useWasm = true): CodedResiduals {
  const w = useWasm && cols <= WASM_MAX_COLS ? wasmCoder() : null;
  if (!w || !reserve(w, w.SIZES.value + 4 * cols)) return encodeResidualsJs(z, exponent, cols);
  const mem = new Uint8Array(w.memory.buffer);
  const zBytes = new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
  const chunk = w.CHUNK.value;
  const n = z.length;
  const coded = new Growing(Math.max(64, n >>> 2));
  const raw = new Growing(Math.max(64, n));
  w.start(cols);
  for (let i = 0; i < n; i += chunk) {
    const len = Math.min(chunk, n - i);
    mem.set(zBytes.subarray(4 * i, 4 * (i + len)), w.Z.value);
    mem.set(exponent.subarray(i, i + len), w.E.value);
    const wrote = w.encodeRun(len);
    coded.append(mem.subarray(w.CODED.value, w.CODED.value + wrote));
    raw.append(mem.subarray(w.RAW.value, w.RAW.value + w.rawBytes()));
  }
  coded.append(mem.subarray(w.CODED.value, w.CODED.value + w.finish()));
  raw.append(mem.subarray(w.RAW.value, w.RAW.value + w.rawBytes()));
  return { coded: coded.bytes(), raw: raw.bytes() };
}

/** An output buffer that doubles when full. */
class Growing {
  private out: Uint8Array;
  private size = 0;
  constructor(expected: number) {
    this.out = new Uint8Array(expected);
  }
  append(bytes: Uint8Array): void {
    if (this.size + bytes.length > this.out.length) {
      const grown = new Uint8Array(Math.max(2 * this.out.length, this.size + bytes.length));
      grown.set(this.out.subarray(0, this.size));
      this.out = grown;
    }
    this.out.set(bytes, this.size);
    this.size += bytes.length;
  }
  bytes(): Uint8Array {
    return this.out.slice(0, this.size);
  }
}

/**
 * `encodeResiduals` in JS (where WebAssembly is missing, and the reference the WASM loop is tested
 * against): the bytes of `RangeEncoder.encodeBit` for each decision (the decoder is
 * `RangeDecoder`), with the coder, the models and the raw bit writer inlined in one loop. The bit
 * below the leading 1 has its own model, at the end of the same table (index BELOW + L).
 */
export function encodeResidualsJs(z: Uint32Array, exponent: Uint8Array, cols: number): CodedResiduals {
  const n = z.length;
  const P = new Uint16Array(BELOW + 256).fill(32768);
  const N = new Uint8Array(BELOW + 256);
  const rate = ADAPT_RATE;
  let out = new Uint8Array(Math.max(64, n >>> 2));
  let size = 0;
  let x1 = 0;
  let x2 = 0xffffffff;
  let rawOut = new Uint8Array(Math.max(64, n));
  let rawSize = 0;
  let acc = 0; // pending raw bits (fewer than 8 between elements), least significant first
  let accBits = 0;
  // Per element, its decisions (model index, bit), coded in one place below.
  const at = new Int32Array(UNARY_MAX + 4);
  const bits = new Uint8Array(UNARY_MAX + 4);
  // The sizes (L + exponent) of the row above, overwritten left to right by this row's.
  const sizes = new Int32Array(cols);
  for (let i = 0, j = 0; i < n; i++) {
    const v = z[i];
    const L = v === 0 ? 0 : 32 - Math.clz32(v);
    const e = exponent[i];
    // contextOf, on the row buffer: left = this row's j - 1, up = the row above's j.
    const left = j !== 0 ? sizes[j - 1] : -1;
    const up = i >= cols ? sizes[j] : -1;
    let ctx = 0;
    if (left >= 0 || up >= 0) {
      const guess = left >= 0 && up >= 0 ? (left + up + 1) >> 1 : left > up ? left : up;
      const c = guess - e + 1;
      ctx = c < 1 ? 1 : c >= CONTEXTS ? CONTEXTS - 1 : c;
    }
    const base = ctx << 8;
    const rel = L - (ctx > 0 ? ctx - 1 : 0);
    let count = 1;
    at[0] = base | NODE_ZERO;
    bits[0] = rel === 0 ? 1 : 0;
    let rawLength = false;
    if (rel !== 0) {
      at[1] = base | NODE_SIGN;
      bits[1] = rel > 0 ? 1 : 0;
      count = 2;
      const m = rel > 0 ? rel : -rel;
      let k = 1;
      for (; k <= UNARY_MAX && k < m; k++) {
        at[count] = base | (NODE_UNARY + k - 1);
        bits[count++] = 0;
      }
      if (k <= UNARY_MAX) {
        at[count] = base | (NODE_UNARY + k - 1);
        bits[count++] = 1;
      } else rawLength = true; // a length far from its guess: rare, stored as is
    }
    if (L >= 2) {
      at[count] = BELOW + L;
      bits[count++] = (v >>> (L - 2)) & 1;
    }
    for (let q = 0; q < count; q++) {
      const a = at[q];
      const bit = bits[q];
      const p16 = P[a];
      const p4 = p16 >>> 4;
      const p = p4 < 1 ? 1 : p4 > 4095 ? 4095 : p4;
      const range = x2 - x1;
      const mid = x1 + (range >>> 12) * p + (((range & 0xfff) * p) >>> 12);
      if (bit) x2 = mid;
      else x1 = mid + 1;
      const used = N[a];
      P[a] = p16 + ((((bit ? 65535 : 0) - p16) * rate[used]) / 65536 | 0);
      if (used < ADAPT_LIMIT) N[a] = used + 1;
      while (((x1 ^ x2) & 0xff000000) === 0) {
        if (size === out.length) out = grow(out);
        out[size++] = x2 >>> 24;
        x1 = (x1 << 8) >>> 0;
        x2 = ((x2 << 8) | 255) >>> 0;
      }
    }
    // Raw bits: the length when coded raw (6 bits), then the L - 2 low bits of the residual.
    if (rawOut.length - rawSize < 16) rawOut = grow(rawOut);
    if (rawLength) {
      acc |= L << accBits;
      accBits += 6;
    }
    if (L > 2) {
      let low = L - 2;
      let value = v;
      while (low > 0) {
        const take = low > 16 ? 16 : low;
        acc = (acc | ((value & ((1 << take) - 1)) << accBits)) >>> 0;
        accBits += take;
        value >>>= take;
        low -= take;
        while (accBits >= 8) {
          rawOut[rawSize++] = acc & 0xff;
          acc >>>= 8;
          accBits -= 8;
        }
      }
    }
    while (accBits >= 8) {
      rawOut[rawSize++] = acc & 0xff;
      acc >>>= 8;
      accBits -= 8;
    }
    sizes[j] = L + e;
    j = j + 1 === cols ? 0 : j + 1;
  }
  // Four bytes of x1 pin the final interval whatever the decoder reads past the end (RangeEncoder.finish).
  if (out.length - size < 4) out = grow(out);
  for (let k = 0; k < 4; k++) {
    out[size++] = x1 >>> 24;
    x1 = (x1 << 8) >>> 0;
  }
  if (accBits > 0) rawOut[rawSize++] = acc & 0xff;
  return { coded: out.slice(0, size), raw: rawOut.slice(0, rawSize) };
}

function grow(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(bytes.length * 2);
  grown.set(bytes);
  return grown;
}

/** Inverse of `encodeResiduals`: the zigzag residuals, given the same exponents (in WebAssembly where it runs, else `decodeResidualsJs`). */
export function decodeResiduals(stored: CodedResiduals, exponent: Uint8Array, cols: number, useWasm = true): Uint32Array {
  const w = useWasm && cols <= WASM_MAX_COLS ? wasmCoder() : null;
  const codedAt = w ? w.SIZES.value + 4 * cols : 0;
  const rawAt = codedAt + stored.coded.length;
  if (!w || !reserve(w, rawAt + stored.raw.length)) return decodeResidualsJs(stored, exponent, cols);
  const mem = new Uint8Array(w.memory.buffer);
  mem.set(stored.coded, codedAt);
  mem.set(stored.raw, rawAt);
  w.startDecode(cols, codedAt, stored.coded.length, rawAt, stored.raw.length);
  const n = exponent.length;
  const out = new Uint32Array(n);
  const chunk = w.CHUNK.value;
  const z = new Uint32Array(w.memory.buffer, w.Z.value, chunk);
  for (let i = 0; i < n; i += chunk) {
    const len = Math.min(chunk, n - i);
    mem.set(exponent.subarray(i, i + len), w.E.value);
    const status = w.decodeRun(len);
    if (status === -1) throw new ReefError('BAD_MODEL', `residual bit length ${z[0] | 0} is out of range`);
    if (status === -2) throw new ReefError('BAD_MODEL', 'residual raw bits end early');
    out.set(z.subarray(0, len), i);
  }
  if (w.codedLeft() !== 0) throw new ReefError('BAD_MODEL', `residual lengths: context-coded stream has ${w.codedLeft()} unread bytes`);
  if (w.rawLeft() !== 0) throw new ReefError('BAD_MODEL', `residual raw bits: ${w.rawLeft()} bytes unread`);
  return out;
}

/** `decodeResiduals` in JS, with `RangeDecoder`. */
export function decodeResidualsJs(stored: CodedResiduals, exponent: Uint8Array, cols: number): Uint32Array {
  const n = exponent.length;
  const out = new Uint32Array(n);
  const model = new ByteModel(CONTEXTS);
  const below = new ByteModel(1);
  const dec = new RangeDecoder(stored.coded);
  const raw = new BitReader(stored.raw);
  const size = new Int32Array(n);
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === cols ? 0 : j + 1) {
    const ctx = contextOf(size, exponent[i], i, j, cols);
    const at = ctx << 8;
    let L = ctx > 0 ? ctx - 1 : 0;
    if (dec.decodeBit(model, at | NODE_ZERO) === 0) {
      const positive = dec.decodeBit(model, at | NODE_SIGN) === 1;
      let k = 1;
      while (k <= UNARY_MAX && dec.decodeBit(model, at | (NODE_UNARY + k - 1)) === 0) k++;
      if (k > UNARY_MAX) L = raw.read(6);
      else L += positive ? k : -k;
    }
    if (L < 0 || L > 32) throw new ReefError('BAD_MODEL', `residual bit length ${L} is out of range`);
    let v = L;
    if (L >= 2) {
      v = 2 + dec.decodeBit(below, L);
      if (L > 2) v = v * POW2[L - 2] + raw.readLong(L - 2);
    }
    out[i] = v;
    size[i] = L + exponent[i];
  }
  dec.checkEnd('residual lengths');
  if (raw.remaining() !== 0) throw new ReefError('BAD_MODEL', `residual raw bits: ${raw.remaining()} bytes unread`);
  return out;
}

/*
 * The residual of each element: the difference of the target's and the prediction's ordered
 * integers, wrapped to the width (int32 arithmetic does the wrap for 32 bits: an ordered integer is
 * the bit pattern XOR 0x80000000 when positive, its complement when negative), zigzagged so that
 * small magnitudes of either sign are small codes; and the prediction's exponent field.
 */
export function residuals32(t: Uint32Array, p: Uint32Array): { z: Uint32Array; exponent: Uint8Array } {
  const n = t.length;
  const z = new Uint32Array(n);
  const exponent = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const tb = t[i] | 0;
    const pb = p[i] | 0;
    const r = ((tb ^ ((tb >> 31) | 0x80000000)) - (pb ^ ((pb >> 31) | 0x80000000))) | 0;
    z[i] = (r << 1) ^ (r >> 31);
    exponent[i] = (pb >>> 23) & 0xff;
  }
  return { z, exponent };
}

export function residuals16(t: Uint16Array, p: Uint32Array, shift: number, mask: number): { z: Uint32Array; exponent: Uint8Array } {
  const n = t.length;
  const z = new Uint32Array(n);
  const exponent = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const tb = t[i];
    const pb = p[i];
    const r = (((tb ^ (tb & 0x8000 ? 0xffff : 0x8000)) - (pb ^ (pb & 0x8000 ? 0xffff : 0x8000))) << 16) >> 16;
    z[i] = (r << 1) ^ (r >> 31);
    exponent[i] = (pb >>> shift) & mask;
  }
  return { z, exponent };
}

export function exponentsOf(pred: Uint32Array, shift: number, mask: number): Uint8Array {
  const exponent = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) exponent[i] = (pred[i] >>> shift) & mask;
  return exponent;
}

/** Inverse of `residuals32`: the target's bit patterns from the prediction's and the zigzag residuals. */
export function targets32(p: Uint32Array, z: Uint32Array): Uint32Array {
  const n = p.length;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const pb = p[i] | 0;
    const zi = z[i] | 0;
    const m = ((pb ^ ((pb >> 31) | 0x80000000)) + ((zi >>> 1) ^ -(zi & 1))) | 0;
    out[i] = m < 0 ? m ^ 0x80000000 : ~m;
  }
  return out;
}

/** Inverse of `residuals16`. */
export function targets16(p: Uint32Array, z: Uint32Array): Uint16Array {
  const n = p.length;
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const pb = p[i];
    const zi = z[i] | 0;
    const m = ((pb ^ (pb & 0x8000 ? 0xffff : 0x8000)) + ((zi >>> 1) ^ -(zi & 1))) & 0xffff;
    out[i] = m & 0x8000 ? m ^ 0x8000 : m ^ 0xffff;
  }
  return out;
}

/**
 * The residuals of a target against its prediction (bit patterns: `width` 16 or 32, the exponent
 * field at `shift`, `mask`), coded: `encodeResiduals` of `residuals32`/`residuals16`, with the
 * map done chunk by chunk inside the WASM loop where it runs.
 */
export function encodeTargets(target: Uint32Array | Uint16Array, pred: Uint32Array, width: 16 | 32, shift: number, mask: number, cols: number, useWasm = true): CodedResiduals {
  const w = useWasm && cols <= WASM_MAX_COLS ? wasmCoder() : null;
  if (!w || !reserve(w, w.SIZES.value + 4 * cols)) {
    const { z, exponent } = width === 32 ? residuals32(target as Uint32Array, pred) : residuals16(target as Uint16Array, pred, shift, mask);
    return encodeResidualsJs(z, exponent, cols);
  }
  const mem = new Uint8Array(w.memory.buffer);
  const chunk = w.CHUNK.value;
  const t = new Uint32Array(w.memory.buffer, w.T.value, chunk);
  const p = new Uint32Array(w.memory.buffer, w.PRED.value, chunk);
  const n = pred.length;
  const coded = new Growing(Math.max(64, n >>> 2));
  const raw = new Growing(Math.max(64, n));
  w.start(cols);
  for (let i = 0; i < n; i += chunk) {
    const len = Math.min(chunk, n - i);
    t.set(target.subarray(i, i + len));
    p.set(pred.subarray(i, i + len));
    w.residualsRun(len, width, shift, mask);
    const wrote = w.encodeRun(len);
    coded.append(mem.subarray(w.CODED.value, w.CODED.value + wrote));
    raw.append(mem.subarray(w.RAW.value, w.RAW.value + w.rawBytes()));
  }
  coded.append(mem.subarray(w.CODED.value, w.CODED.value + w.finish()));
  raw.append(mem.subarray(w.RAW.value, w.RAW.value + w.rawBytes()));
  return { coded: coded.bytes(), raw: raw.bytes() };
}

/** Inverse of `encodeTargets`: the target's bit patterns. */
export function decodeTargets(stored: CodedResiduals, pred: Uint32Array, width: 16 | 32, shift: number, mask: number, cols: number, useWasm = true): Uint32Array | Uint16Array {
  const w = useWasm && cols <= WASM_MAX_COLS ? wasmCoder() : null;
  const codedAt = w ? w.SIZES.value + 4 * cols : 0;
  const rawAt = codedAt + stored.coded.length;
  if (!w || !reserve(w, rawAt + stored.raw.length)) {
    const z = decodeResidualsJs(stored, exponentsOf(pred, shift, mask), cols);
    return width === 32 ? targets32(pred, z) : targets16(pred, z);
  }
  new Uint8Array(w.memory.buffer).set(stored.coded, codedAt);
  new Uint8Array(w.memory.buffer).set(stored.raw, rawAt);
  w.startDecode(cols, codedAt, stored.coded.length, rawAt, stored.raw.length);
  const n = pred.length;
  const out = width === 32 ? new Uint32Array(n) : new Uint16Array(n);
  const chunk = w.CHUNK.value;
  const z = new Uint32Array(w.memory.buffer, w.Z.value, chunk);
  const t = new Uint32Array(w.memory.buffer, w.T.value, chunk);
  const p = new Uint32Array(w.memory.buffer, w.PRED.value, chunk);
  for (let i = 0; i < n; i += chunk) {
    const len = Math.min(chunk, n - i);
    p.set(pred.subarray(i, i + len));
    w.exponentsRun(len, shift, mask);
    const status = w.decodeRun(len);
    if (status === -1) throw new ReefError('BAD_MODEL', `residual bit length ${z[0] | 0} is out of range`);
    if (status === -2) throw new ReefError('BAD_MODEL', 'residual raw bits end early');
    w.targetsRun(len, width);
    out.set(t.subarray(0, len), i);
  }
  if (w.codedLeft() !== 0) throw new ReefError('BAD_MODEL', `residual lengths: context-coded stream has ${w.codedLeft()} unread bytes`);
  if (w.rawLeft() !== 0) throw new ReefError('BAD_MODEL', `residual raw bits: ${w.rawLeft()} bytes unread`);
  return out;
}
