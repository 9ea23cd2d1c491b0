import { ReefError } from '@reef/core';

/**
 * Packs values of `nbits` bits each (1–32) into bytes, least significant bit first, with no
 * padding between values (FAISS's PQ encoder layout). A code of `count` values takes
 * ceil(count × nbits / 8) bytes.
 */
export function packedBytes(count: number, nbits: number): number {
  return Math.ceil((count * nbits) / 8);
}

export class BitWriter {
  private bitPos = 0;
  constructor(
    private readonly out: Uint8Array,
    private byteOffset = 0,
  ) {}

  write(value: number, nbits: number): void {
    let v = value >>> 0;
    let remaining = nbits;
    while (remaining > 0) {
      const byte = this.byteOffset + (this.bitPos >> 3);
      const shift = this.bitPos & 7;
      const take = Math.min(8 - shift, remaining);
      const mask = (1 << take) - 1;
      this.out[byte] |= (v & mask) << shift;
      v >>>= take;
      remaining -= take;
      this.bitPos += take;
    }
  }
}

export class BitReader {
  private bitPos = 0;
  constructor(
    private readonly input: Uint8Array,
    private readonly byteOffset = 0,
  ) {}

  read(nbits: number): number {
    let value = 0;
    let got = 0;
    while (got < nbits) {
      const byte = this.byteOffset + (this.bitPos >> 3);
      const shift = this.bitPos & 7;
      const take = Math.min(8 - shift, nbits - got);
      const bits = (this.input[byte] >> shift) & ((1 << take) - 1);
      value += bits * 2 ** got; // multiplication keeps 32-bit values unsigned
      got += take;
      this.bitPos += take;
    }
    return value;
  }
}

/** Packs `values` (each < 2^nbits) into `out` at `byteOffset`; `out` must be zeroed there. */
export function packValues(values: ArrayLike<number>, nbits: number, out: Uint8Array, byteOffset = 0): void {
  if (nbits === 8) {
    for (let i = 0; i < values.length; i++) out[byteOffset + i] = values[i];
    return;
  }
  const w = new BitWriter(out, byteOffset);
  for (let i = 0; i < values.length; i++) w.write(values[i], nbits);
}

/** Unpacks `count` values of `nbits` bits from `input` at `byteOffset`. */
export function unpackValues(input: Uint8Array, nbits: number, count: number, byteOffset = 0, out = new Uint32Array(count)): Uint32Array {
  if (byteOffset + packedBytes(count, nbits) > input.length) {
    throw new ReefError('BAD_CODES', `packed code needs ${packedBytes(count, nbits)} bytes at offset ${byteOffset}, input has ${input.length}`);
  }
  if (nbits === 8) {
    for (let i = 0; i < count; i++) out[i] = input[byteOffset + i];
    return out;
  }
  const r = new BitReader(input, byteOffset);
  for (let i = 0; i < count; i++) out[i] = r.read(nbits);
  return out;
}
