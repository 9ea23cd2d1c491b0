import { ReefError } from '@reef/core';
import { ByteModel, RangeDecoder, RangeEncoder } from '@reef/codecs';

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

function bitLength(z: number): number {
  return z === 0 ? 0 : 32 - Math.clz32(z);
}

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

/** Raw bits, least significant first. */
class BitWriter {
  private out: Uint8Array;
  private size = 0;
  private acc = 0;
  private count = 0;
  constructor(expectedBytes: number) {
    this.out = new Uint8Array(Math.max(16, expectedBytes));
  }
  /** Appends the low `n` bits of `value` (n ≤ 24: with fewer than 8 bits pending they fit in 32). */
  write(value: number, n: number): void {
    this.acc = (this.acc | ((value & ((1 << n) - 1)) << this.count)) >>> 0;
    this.count += n;
    if (this.size + 4 > this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    while (this.count >= 8) {
      this.out[this.size++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.count -= 8;
    }
  }
  /** Any `n` ≤ 32. */
  writeLong(value: number, n: number): void {
    if (n > 24) {
      this.write(value & 0xffff, 16);
      this.write(value >>> 16, n - 16);
    } else this.write(value, n);
  }
  finish(): Uint8Array {
    if (this.count > 0) this.write(0, 8 - this.count);
    return this.out.slice(0, this.size);
  }
}

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

/**
 * Codes `z` (zigzag residuals, one per element, row-major with `cols` per row); `exponent[i]` is the
 * prediction's exponent of element i, which the decoder knows before it decodes i.
 */
export function encodeResiduals(z: Uint32Array, exponent: Int32Array, cols: number): CodedResiduals {
  const n = z.length;
  const model = new ByteModel(CONTEXTS);
  const below = new ByteModel(1);
  const enc = new RangeEncoder(n >>> 2);
  const raw = new BitWriter(n);
  const size = new Int32Array(n);
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === cols ? 0 : j + 1) {
    const v = z[i];
    const L = bitLength(v);
    const ctx = contextOf(size, exponent[i], i, j, cols);
    const at = ctx << 8;
    const rel = L - (ctx > 0 ? ctx - 1 : 0);
    enc.encodeBit(model, at | NODE_ZERO, rel === 0 ? 1 : 0);
    if (rel !== 0) {
      enc.encodeBit(model, at | NODE_SIGN, rel > 0 ? 1 : 0);
      const m = rel > 0 ? rel : -rel;
      let k = 1;
      for (; k <= UNARY_MAX && k < m; k++) enc.encodeBit(model, at | (NODE_UNARY + k - 1), 0);
      if (k <= UNARY_MAX) enc.encodeBit(model, at | (NODE_UNARY + k - 1), 1);
      else raw.write(L, 6); // a length far from its guess: rare, stored as is
    }
    if (L >= 2) {
      enc.encodeBit(below, L, (v >>> (L - 2)) & 1);
      if (L > 2) raw.writeLong(v, L - 2);
    }
    size[i] = L + exponent[i];
  }
  return { coded: enc.finish(), raw: raw.finish() };
}

/** Inverse of `encodeResiduals`: the zigzag residuals, given the same exponents. */
export function decodeResiduals(stored: CodedResiduals, exponent: Int32Array, cols: number): Uint32Array {
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
