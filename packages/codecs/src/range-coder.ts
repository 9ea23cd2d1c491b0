import { ReefError } from '@reef/core/errors';
import { RANGE_CODER_WASM_BASE64 } from './range-coder-wasm.js';

/**
 * A binary arithmetic coder with adaptive probabilities (the carry-less 32-bit coder of the PAQ
 * family): each bit is coded with the probability its context has learnt so far, so a skewed
 * context costs a fraction of a bit where Huffman (deflate) needs at least one bit per byte.
 * Bytes are coded as 8 binary decisions down a 255-node tree per context.
 *
 * Probabilities are 16-bit (chance of a 1), learnt at rate 1/(n+1.5) over a context's first uses
 * then 1/LIMIT: close to the counts of a stationary source, and still following drift.
 */

const LIMIT = 60;
/** 65536 / (n + 1.5) for n < LIMIT, then 65536 / LIMIT: the learning rate by uses, in 16.16 fixed point. */
const RATE = Uint32Array.from({ length: LIMIT + 1 }, (_, n) => Math.floor(65536 / Math.min(n + 1.5, LIMIT)));

/** Probability tables for `contexts` byte contexts (255 tree nodes each), all starting at 1/2. */
/**
 * The model update every coder here makes, for loops that inline `encodeBit` (the residual coder of
 * `low-rank-residual`): p += ((bit ? 65535 : 0) - p) × ADAPT_RATE[n] / 65536 truncated toward zero,
 * then n += 1 while n < ADAPT_LIMIT; the probability coded with is p >>> 4 clamped to [1, 4095].
 */
export { RATE as ADAPT_RATE, LIMIT as ADAPT_LIMIT };

export class ByteModel {
  readonly p: Uint16Array;
  readonly n: Uint8Array;
  constructor(contexts: number) {
    this.p = new Uint16Array(contexts * 256).fill(32768);
    this.n = new Uint8Array(contexts * 256);
  }
}

function update(m: ByteModel, at: number, bit: number): void {
  const p = m.p[at];
  const n = m.n[at];
  const target = bit ? 65535 : 0;
  m.p[at] = p + (((target - p) * RATE[n]) / 65536 | 0); // a product beyond int32: divide, then truncate
  if (n < LIMIT) m.n[at] = n + 1;
}

/** Probability of a 1 in 12 bits, kept inside (0, 4096) so both outcomes stay codable. */
function p12(p16: number): number {
  const p = p16 >>> 4;
  return p < 1 ? 1 : p > 4095 ? 4095 : p;
}

export class RangeEncoder {
  private x1 = 0;
  private x2 = 0xffffffff;
  private out: Uint8Array;
  private size = 0;

  constructor(expectedBytes = 1024) {
    this.out = new Uint8Array(Math.max(16, expectedBytes));
  }

  private push(byte: number): void {
    if (this.size === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.size++] = byte;
  }

  encodeBit(m: ByteModel, at: number, bit: number): void {
    const p = p12(m.p[at]);
    const range = this.x2 - this.x1;
    const mid = this.x1 + (range >>> 12) * p + ((((range & 0xfff) * p) >>> 12));
    if (bit) this.x2 = mid;
    else this.x1 = mid + 1;
    update(m, at, bit);
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.push(this.x2 >>> 24);
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
    }
  }

  /** Codes `byte` in context `ctx` of `m`: `encodeBit` down the byte's tree, inlined (the hot loop of every commit). */
  encodeByte(m: ByteModel, ctx: number, byte: number): void {
    const P = m.p;
    const N = m.n;
    let x1 = this.x1;
    let x2 = this.x2;
    const base = ctx << 8;
    let node = 1;
    for (let k = 7; k >= 0; k--) {
      const at = base | node;
      const bit = (byte >>> k) & 1;
      const q = P[at] >>> 4;
      const p = q < 1 ? 1 : q > 4095 ? 4095 : q;
      const range = x2 - x1;
      const mid = x1 + (range >>> 12) * p + (((range & 0xfff) * p) >>> 12);
      if (bit) x2 = mid;
      else x1 = mid + 1;
      const n = N[at];
      P[at] += (((bit ? 65535 : 0) - P[at]) * RATE[n]) / 65536 | 0;
      if (n < LIMIT) N[at] = n + 1;
      while (((x1 ^ x2) & 0xff000000) === 0) {
        this.push(x2 >>> 24);
        x1 = (x1 << 8) >>> 0;
        x2 = ((x2 << 8) | 255) >>> 0;
      }
      node = (node << 1) | bit;
    }
    this.x1 = x1;
    this.x2 = x2;
  }

  finish(): Uint8Array {
    // Four bytes of x1 pin the final interval whatever the decoder reads past the end.
    for (let k = 0; k < 4; k++) {
      this.push(this.x1 >>> 24);
      this.x1 = (this.x1 << 8) >>> 0;
    }
    return this.out.slice(0, this.size);
  }
}

/** The compiled encoder loop (wasm/range-coder.ts): its exports, and its memory's regions. */
interface CoderWasm {
  readonly memory: WebAssembly.Memory;
  readonly start: () => void;
  readonly encodeRun: (count: number, zeroFlag: number) => number;
  readonly finish: () => number;
  readonly P: WebAssembly.Global;
  readonly N: WebAssembly.Global;
  readonly RATE: WebAssembly.Global;
  readonly BYTES: WebAssembly.Global;
  readonly CTX: WebAssembly.Global;
  readonly OUT: WebAssembly.Global;
  readonly CHUNK: WebAssembly.Global;
}

/** Contexts the WASM loop's model region holds (encodeContextPlane uses 64). */
const WASM_MAX_CONTEXTS = 128;

let coderWasm: CoderWasm | null | undefined;

/** The WASM encoder, instantiated on first use; null where WebAssembly is missing or refuses it (the JS loop then). */
function wasmCoder(): CoderWasm | null {
  if (coderWasm !== undefined) return coderWasm;
  try {
    const text = atob(RANGE_CODER_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const w = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as CoderWasm;
    // Room for the largest chunk's output: 9 decisions per byte of at most 12 bits each.
    const end = w.OUT.value + Math.ceil((w.CHUNK.value * 27) / 2) + 16;
    const have = w.memory.buffer.byteLength;
    if (end > have) w.memory.grow(Math.ceil((end - have) / 65536));
    new Uint32Array(w.memory.buffer, w.RATE.value, RATE.length).set(RATE);
    coderWasm = w;
  } catch {
    coderWasm = null;
  }
  return coderWasm;
}

/**
 * Codes `bytes[at + i]` in context `contexts[i]` of `m` for i < `count` and finishes the stream:
 * the bytes of a `RangeEncoder` given `encodeByte(m, contexts[i], byte)` for each, or with
 * `zeroFlag`, first `encodeBit(m, contexts[i] << 8, byte === 0 ? 1 : 0)` and the byte's tree only
 * for a nonzero byte (encodeContextPlane's zero flag). In WebAssembly where it runs (~2x faster
 * than the JS loop: u32 arithmetic, no doubles), else with `RangeEncoder`; the same bytes either way.
 */
export function encodeByteRun(m: ByteModel, bytes: Uint8Array, at: number, contexts: Uint8Array, count: number, zeroFlag: boolean, useWasm = true): Uint8Array {
  const w = useWasm && m.p.length <= WASM_MAX_CONTEXTS * 256 ? wasmCoder() : null;
  if (!w) {
    const enc = new RangeEncoder(count >>> 1);
    for (let i = 0; i < count; i++) {
      const byte = bytes[at + i];
      if (zeroFlag) {
        enc.encodeBit(m, contexts[i] << 8, byte === 0 ? 1 : 0);
        if (byte !== 0) enc.encodeByte(m, contexts[i], byte);
      } else enc.encodeByte(m, contexts[i], byte);
    }
    return enc.finish();
  }
  const buffer = w.memory.buffer;
  const P = new Uint16Array(buffer, w.P.value, m.p.length);
  const N = new Uint8Array(buffer, w.N.value, m.n.length);
  const mem = new Uint8Array(buffer);
  P.set(m.p);
  N.set(m.n);
  w.start();
  let out = new Uint8Array(Math.max(64, count >>> 1));
  let size = 0;
  const chunk = w.CHUNK.value;
  for (let i = 0; i < count; i += chunk) {
    const len = Math.min(chunk, count - i);
    mem.set(bytes.subarray(at + i, at + i + len), w.BYTES.value);
    mem.set(contexts.subarray(i, i + len), w.CTX.value);
    const wrote = w.encodeRun(len, zeroFlag ? 1 : 0);
    if (size + wrote + 4 > out.length) {
      const grown = new Uint8Array(Math.max(2 * out.length, size + wrote + 4));
      grown.set(out.subarray(0, size));
      out = grown;
    }
    out.set(mem.subarray(w.OUT.value, w.OUT.value + wrote), size);
    size += wrote;
  }
  out.set(mem.subarray(w.OUT.value, w.OUT.value + w.finish()), size);
  size += 4;
  m.p.set(P);
  m.n.set(N);
  return out.slice(0, size);
}

export class RangeDecoder {
  private x1 = 0;
  private x2 = 0xffffffff;
  private x = 0;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {
    for (let k = 0; k < 4; k++) this.x = ((this.x << 8) | this.next()) >>> 0;
  }

  /** The next byte, 0 past the end (counted, so `checkEnd` sees a truncated stream). */
  private next(): number {
    return this.at < this.bytes.length ? this.bytes[this.at++] : (this.at++, 0);
  }

  decodeBit(m: ByteModel, at: number): number {
    const p = p12(m.p[at]);
    const range = this.x2 - this.x1;
    const mid = this.x1 + (range >>> 12) * p + ((((range & 0xfff) * p) >>> 12));
    const bit = this.x <= mid ? 1 : 0;
    if (bit) this.x2 = mid;
    else this.x1 = mid + 1;
    update(m, at, bit);
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
      this.x = ((this.x << 8) | this.next()) >>> 0;
    }
    return bit;
  }

  /** Inverse of `RangeEncoder.encodeByte`, inlined the same way. */
  decodeByte(m: ByteModel, ctx: number): number {
    const P = m.p;
    const N = m.n;
    let x1 = this.x1;
    let x2 = this.x2;
    let x = this.x;
    const base = ctx << 8;
    let node = 1;
    for (let k = 0; k < 8; k++) {
      const at = base | node;
      const q = P[at] >>> 4;
      const p = q < 1 ? 1 : q > 4095 ? 4095 : q;
      const range = x2 - x1;
      const mid = x1 + (range >>> 12) * p + (((range & 0xfff) * p) >>> 12);
      const bit = x <= mid ? 1 : 0;
      if (bit) x2 = mid;
      else x1 = mid + 1;
      const n = N[at];
      P[at] += (((bit ? 65535 : 0) - P[at]) * RATE[n]) / 65536 | 0;
      if (n < LIMIT) N[at] = n + 1;
      while (((x1 ^ x2) & 0xff000000) === 0) {
        x1 = (x1 << 8) >>> 0;
        x2 = ((x2 << 8) | 255) >>> 0;
        x = ((x << 8) | this.next()) >>> 0;
      }
      node = (node << 1) | bit;
    }
    this.x1 = x1;
    this.x2 = x2;
    this.x = x;
    return node & 0xff;
  }

  /** Throws unless the stream was read exactly to its end (a truncated or padded plane). */
  checkEnd(where: string): void {
    if (this.at !== this.bytes.length) {
      throw new ReefError('BAD_MODEL', `${where}: context-coded stream has ${this.bytes.length - this.at} unread bytes`);
    }
  }
}
