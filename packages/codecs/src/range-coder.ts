import { ReefError } from '@reef/core/errors';

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
