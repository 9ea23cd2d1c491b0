import { ReefError } from '@reef/core';

/**
 * Reef's one bit-packer. Layout (the only one any Reef plugin writes: sq, pq, rq, lattice, rabitq
 * and the template's sign quantizer all use it, as does FAISS's PQ encoder): values of `nbits`
 * bits each, least significant bit first, back to back with no padding between values; value i
 * starts at bit i × nbits, and bit b of a code is bit (b mod 8) of byte ⌊b / 8⌋. `count` values
 * take ceil(count × nbits / 8) bytes; the unused high bits of the last byte are written as zero.
 *
 * Every width from 1 to 16 bits has a loop without per-bit work, so callers need no special case
 * for any width: a typed-array copy for 8, byte pairs for 16, whole-byte groups for 1, 2 and 4,
 * three bytes per four values for 6, and for the others a shift register (packing; unpacking up
 * to 7 bits) or a window over the two or three bytes a value covers (unpacking 9 to 15 bits).
 * Widths 17 to 32 go bit field by bit field. Values are masked to `nbits` bits.
 */
export function packedBytes(count: number, nbits: number): number {
  return Math.ceil((count * nbits) / 8);
}

/** Arrays the unpackers write values into (any integer typed array wide enough for nbits). */
export type PackedValueArray = Uint8Array | Uint16Array | Uint32Array | Int32Array;

function checkWidth(nbits: number): void {
  if (!Number.isInteger(nbits) || nbits < 1 || nbits > 32) {
    throw new ReefError('INVALID_PARAM', `bit packing needs a width of 1 to 32 bits, got ${nbits}`);
  }
}

/**
 * Packs `count` values (default: all of `values`) of `nbits` bits into `out` at `byteOffset`.
 * Writes all packedBytes(count, nbits) bytes there, so `out` need not be zeroed.
 */
export function packValues(values: ArrayLike<number>, nbits: number, out: Uint8Array, byteOffset = 0, count = values.length): void {
  checkWidth(nbits);
  if (byteOffset + packedBytes(count, nbits) > out.length) {
    throw new ReefError('INVALID_PARAM', `packing ${count} values of ${nbits} bits needs ${packedBytes(count, nbits)} bytes at offset ${byteOffset}, output has ${out.length}`);
  }
  pack(values, 0, count, nbits, out, byteOffset);
}

/** Unpacks `count` values of `nbits` bits from `input` at `byteOffset` into `out` (from index 0). */
export function unpackValues<T extends PackedValueArray = Uint32Array>(
  input: Uint8Array,
  nbits: number,
  count: number,
  byteOffset = 0,
  out: T = new Uint32Array(count) as T,
): T {
  checkWidth(nbits);
  if (byteOffset + packedBytes(count, nbits) > input.length) {
    throw new ReefError('BAD_CODES', `packed code needs ${packedBytes(count, nbits)} bytes at offset ${byteOffset}, input has ${input.length}`);
  }
  unpack(input, byteOffset, count, nbits, out, 0);
  return out;
}

/**
 * Packs `rows` codes of `perRow` values each (`values` row-major) into one buffer of codes of
 * packedBytes(perRow, nbits) bytes each, code i starting at byte i × that size.
 */
export function packRows(
  values: ArrayLike<number>,
  rows: number,
  perRow: number,
  nbits: number,
  out: Uint8Array = new Uint8Array(rows * packedBytes(perRow, nbits)),
): Uint8Array {
  checkWidth(nbits);
  const size = packedBytes(perRow, nbits);
  if (values.length < rows * perRow || out.length < rows * size) {
    throw new ReefError('INVALID_PARAM', `packing ${rows} × ${perRow} values needs that many values and ${rows * size} output bytes, got ${values.length} and ${out.length}`);
  }
  // Codes of whole bytes follow each other without a gap: one pass over everything.
  if ((perRow * nbits) % 8 === 0) pack(values, 0, rows * perRow, nbits, out, 0);
  else for (let i = 0; i < rows; i++) pack(values, i * perRow, perRow, nbits, out, i * size);
  return out;
}

/** Unpacks `rows` codes written by packRows into rows × perRow values, row-major. */
export function unpackRows<T extends PackedValueArray = Int32Array>(
  codes: Uint8Array,
  rows: number,
  perRow: number,
  nbits: number,
  out: T = new Int32Array(rows * perRow) as T,
): T {
  checkWidth(nbits);
  const size = packedBytes(perRow, nbits);
  if (rows * size > codes.length) throw new ReefError('BAD_CODES', `${rows} packed codes of ${size} bytes need ${rows * size} bytes, input has ${codes.length}`);
  if (out.length < rows * perRow) throw new ReefError('INVALID_PARAM', `unpacking ${rows} × ${perRow} values into an array of ${out.length}`);
  if ((perRow * nbits) % 8 === 0) unpack(codes, 0, rows * perRow, nbits, out, 0);
  else for (let i = 0; i < rows; i++) unpack(codes, i * size, perRow, nbits, out, i * perRow);
  return out;
}

// The loops below trust their arguments (checked above): they run once per encoded or decoded code.

function pack(values: ArrayLike<number>, src: number, count: number, nbits: number, out: Uint8Array, o: number): void {
  // One small function per width keeps each loop simple for the JIT.
  if (nbits === 8) pack8(values, src, count, out, o);
  else if (nbits === 4) pack4(values, src, count, out, o);
  else if (nbits === 6) pack6(values, src, count, out, o);
  else if (nbits === 16) pack16(values, src, count, out, o);
  else if (nbits === 1 || nbits === 2) packWholeBytes(values, src, count, nbits, out, o);
  else if (nbits < 16) packShifted(values, src, count, nbits, out, o);
  else packWide(values, src, count, nbits, out, o);
}

function pack8(values: ArrayLike<number>, src: number, count: number, out: Uint8Array, o: number): void {
  // A typed-array copy keeps the low 8 bits of each value, as the loop does, at memcpy speed.
  if (ArrayBuffer.isView(values)) out.set((values as unknown as Uint8Array).subarray(src, src + count), o);
  else for (let i = src, end = src + count; i < end; i++) out[o++] = values[i];
}

function pack16(values: ArrayLike<number>, src: number, count: number, out: Uint8Array, o: number): void {
  for (let i = src, end = src + count; i < end; i++) {
    const v = values[i];
    out[o++] = v;
    out[o++] = v >>> 8;
  }
}

function pack4(values: ArrayLike<number>, src: number, count: number, out: Uint8Array, o: number): void {
  const end = src + count;
  let i = src;
  for (; i + 2 <= end; i += 2) out[o++] = (values[i] & 15) | (values[i + 1] << 4);
  if (i < end) out[o] = values[i] & 15;
}

function pack6(values: ArrayLike<number>, src: number, count: number, out: Uint8Array, o: number): void {
  const end = src + count;
  let i = src;
  for (; i + 4 <= end; i += 4) {
    const word = (values[i] & 63) | ((values[i + 1] & 63) << 6) | ((values[i + 2] & 63) << 12) | (values[i + 3] << 18);
    out[o++] = word;
    out[o++] = word >>> 8;
    out[o++] = word >>> 16;
  }
  if (i < end) packShifted(values, i, end - i, 6, out, o);
}

/** Widths dividing 8 below 4: 8 / nbits values per byte. */
function packWholeBytes(values: ArrayLike<number>, src: number, count: number, nbits: number, out: Uint8Array, o: number): void {
  const mask = (1 << nbits) - 1;
  const perByte = 8 / nbits;
  for (let i = 0; i < count; i += perByte) {
    let byte = 0;
    const n = Math.min(perByte, count - i);
    for (let k = 0; k < n; k++) byte |= (values[src + i + k] & mask) << (k * nbits);
    out[o++] = byte;
  }
}

/** A shift register for widths up to 15: it never holds more than 7 + 15 bits. */
function packShifted(values: ArrayLike<number>, src: number, count: number, nbits: number, out: Uint8Array, o: number): void {
  const mask = (1 << nbits) - 1;
  let acc = 0;
  let held = 0;
  for (let i = src, end = src + count; i < end; i++) {
    acc |= (values[i] & mask) << held;
    held += nbits;
    while (held >= 8) {
      out[o++] = acc;
      acc >>>= 8;
      held -= 8;
    }
  }
  if (held > 0) out[o] = acc;
}

/** Widths 17 to 32, one bit field per byte touched (numbers above 2^31 stay unsigned). */
function packWide(values: ArrayLike<number>, src: number, count: number, nbits: number, out: Uint8Array, o: number): void {
  out.fill(0, o, o + packedBytes(count, nbits));
  let bit = 0;
  for (let i = src, end = src + count; i < end; i++) {
    let v = values[i] >>> 0;
    for (let remaining = nbits; remaining > 0; ) {
      const shift = bit & 7;
      const take = Math.min(8 - shift, remaining);
      out[o + (bit >> 3)] |= (v & ((1 << take) - 1)) << shift;
      v >>>= take;
      remaining -= take;
      bit += take;
    }
  }
}

function unpack(input: Uint8Array, o: number, count: number, nbits: number, out: PackedValueArray, dst: number): void {
  if (nbits === 8) out.set(input.subarray(o, o + count), dst); // a native widening copy
  else if (nbits === 4) unpack4(input, o, count, out, dst);
  else if (nbits === 6) unpack6(input, o, count, out, dst);
  else if (nbits === 16) unpack16(input, o, count, out, dst);
  else if (nbits === 1 || nbits === 2) unpackWholeBytes(input, o, count, nbits, out, dst);
  else if (nbits < 8) unpackShifted(input, o, count, nbits, out, dst);
  else if (nbits < 16) unpackWindowed(input, o, count, nbits, out, dst);
  else unpackWide(input, o, count, nbits, out, dst);
}

function unpack16(input: Uint8Array, o: number, count: number, out: PackedValueArray, dst: number): void {
  for (let i = dst, end = dst + count; i < end; i++, o += 2) out[i] = input[o] | (input[o + 1] << 8);
}

function unpack4(input: Uint8Array, o: number, count: number, out: PackedValueArray, dst: number): void {
  const end = dst + count;
  let i = dst;
  for (; i + 2 <= end; i += 2) {
    const byte = input[o++];
    out[i] = byte & 15;
    out[i + 1] = byte >>> 4;
  }
  if (i < end) out[i] = input[o] & 15;
}

function unpack6(input: Uint8Array, o: number, count: number, out: PackedValueArray, dst: number): void {
  const end = dst + count;
  let i = dst;
  for (; i + 4 <= end; i += 4, o += 3) {
    const word = input[o] | (input[o + 1] << 8) | (input[o + 2] << 16);
    out[i] = word & 63;
    out[i + 1] = (word >>> 6) & 63;
    out[i + 2] = (word >>> 12) & 63;
    out[i + 3] = word >>> 18;
  }
  if (i < end) unpackShifted(input, o, end - i, 6, out, i);
}

function unpackWholeBytes(input: Uint8Array, o: number, count: number, nbits: number, out: PackedValueArray, dst: number): void {
  const mask = (1 << nbits) - 1;
  const perByte = 8 / nbits;
  for (let i = dst, end = dst + count; i < end; i += perByte) {
    const byte = input[o++];
    const n = Math.min(perByte, end - i);
    for (let k = 0; k < n; k++) out[i + k] = (byte >>> (k * nbits)) & mask;
  }
}

/** The shift register of packShifted in reverse: reads only the bytes the values cover. */
function unpackShifted(input: Uint8Array, o: number, count: number, nbits: number, out: PackedValueArray, dst: number): void {
  const mask = (1 << nbits) - 1;
  let acc = 0;
  let held = 0;
  for (let i = dst, end = dst + count; i < end; i++) {
    while (held < nbits) {
      acc |= input[o++] << held;
      held += 8;
    }
    out[i] = acc & mask;
    acc >>>= nbits;
    held -= nbits;
  }
}

/** Widths 9 to 15: each value from a window of the two or three bytes it covers (never past them). */
function unpackWindowed(input: Uint8Array, o: number, count: number, nbits: number, out: PackedValueArray, dst: number): void {
  const mask = (1 << nbits) - 1;
  for (let i = 0, bit = 0; i < count; i++, bit += nbits) {
    const byte = o + (bit >> 3);
    const shift = bit & 7;
    let window = input[byte] | (input[byte + 1] << 8);
    if (shift + nbits > 16) window |= input[byte + 2] << 16;
    out[dst + i] = (window >>> shift) & mask;
  }
}

function unpackWide(input: Uint8Array, o: number, count: number, nbits: number, out: PackedValueArray, dst: number): void {
  let bit = 0;
  for (let i = dst, end = dst + count; i < end; i++) {
    let value = 0;
    for (let got = 0; got < nbits; ) {
      const shift = bit & 7;
      const take = Math.min(8 - shift, nbits - got);
      value += ((input[o + (bit >> 3)] >> shift) & ((1 << take) - 1)) * 2 ** got; // a product keeps 32-bit values unsigned
      got += take;
      bit += take;
    }
    out[i] = value;
  }
}
