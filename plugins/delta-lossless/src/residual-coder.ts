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
const LENGTH_BITS = 6; // L is 0..32: a 64-leaf binary tree

/** Exponent of each prediction, from its bit pattern (dtype-specific). */
export type ExponentOf = (bits: number) => number;

function bitLength(z: number): number {
  return z === 0 ? 0 : 32 - Math.clz32(z);
}

/** Context for element i from the lengths-plus-exponents (`size`) of the elements before it. */
function contextOf(size: Int32Array, exponent: number, i: number, cols: number): number {
  const left = i % cols !== 0 ? size[i - 1] : -1;
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
  /** Appends the low `n` bits of `value` (n ≤ 30). */
  write(value: number, n: number): void {
    if (n > 16) {
      this.write(value & 0xffff, 16);
      this.write(value >>> 16, n - 16);
      return;
    }
    this.acc |= (value & ((1 << n) - 1)) << this.count;
    this.count += n;
    while (this.count >= 8) {
      if (this.size === this.out.length) {
        const grown = new Uint8Array(this.out.length * 2);
        grown.set(this.out);
        this.out = grown;
      }
      this.out[this.size++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.count -= 8;
    }
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
  read(n: number): number {
    if (n > 16) {
      const low = this.read(16);
      return (low | (this.read(n - 16) << 16)) >>> 0;
    }
    while (this.count < n) {
      if (this.at >= this.bytes.length) throw new ReefError('BAD_MODEL', 'residual raw bits end early');
      this.acc |= this.bytes[this.at++] << this.count;
      this.count += 8;
    }
    const v = this.acc & ((1 << n) - 1);
    this.acc >>>= n;
    this.count -= n;
    return v;
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

/**
 * Codes `z` (zigzag residuals, one per element, row-major with `cols` per row); `exponent[i]` is the
 * prediction's exponent of element i, which the decoder knows before it decodes i.
 */
export function encodeResiduals(z: Uint32Array, exponent: Int32Array, cols: number): CodedResiduals {
  const n = z.length;
  const lengths = new ByteModel(CONTEXTS);
  const below = new ByteModel(1);
  const enc = new RangeEncoder(n >>> 2);
  const raw = new BitWriter(n);
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = z[i];
    const L = bitLength(v);
    const ctx = contextOf(size, exponent[i], i, cols);
    let node = 1;
    for (let k = LENGTH_BITS - 1; k >= 0; k--) {
      const bit = (L >>> k) & 1;
      enc.encodeBit(lengths, (ctx << 8) | node, bit);
      node = (node << 1) | bit;
    }
    if (L >= 2) {
      enc.encodeBit(below, L, (v >>> (L - 2)) & 1);
      if (L > 2) raw.write(v, L - 2);
    }
    size[i] = L + exponent[i];
  }
  return { coded: enc.finish(), raw: raw.finish() };
}

/** Inverse of `encodeResiduals`: the zigzag residuals, given the same exponents. */
export function decodeResiduals(stored: CodedResiduals, exponent: Int32Array, cols: number): Uint32Array {
  const n = exponent.length;
  const out = new Uint32Array(n);
  const lengths = new ByteModel(CONTEXTS);
  const below = new ByteModel(1);
  const dec = new RangeDecoder(stored.coded);
  const raw = new BitReader(stored.raw);
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ctx = contextOf(size, exponent[i], i, cols);
    let node = 1;
    for (let k = 0; k < LENGTH_BITS; k++) node = (node << 1) | dec.decodeBit(lengths, (ctx << 8) | node);
    const L = node & 63;
    if (L > 32) throw new ReefError('BAD_MODEL', `residual bit length ${L} is over 32`);
    let v = L === 0 ? 0 : 1;
    if (L >= 2) {
      v = (v << 1) | dec.decodeBit(below, L);
      if (L > 2) v = v * 2 ** (L - 2) + raw.read(L - 2);
    }
    out[i] = v;
    size[i] = L + exponent[i];
  }
  dec.checkEnd('residual lengths');
  if (raw.remaining() !== 0) throw new ReefError('BAD_MODEL', `residual raw bits: ${raw.remaining()} bytes unread`);
  return out;
}
