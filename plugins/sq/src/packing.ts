/**
 * Bit packing of per-dimension integer codes, least significant bits first with no padding
 * between dimensions (the layout of @reef/kernels' packValues and FAISS's bit-packed codes): a
 * vector of `dim` codes of `bits` bits takes ceil(dim · bits / 8) bytes. Specialised loops for
 * 8, 6 and 4 bits: these run once per component of every encoded or scanned vector.
 */
export function packedSize(dim: number, bits: number): number {
  return Math.ceil((dim * bits) / 8);
}

/** Writes `dim` codes from `values` into `out` at `offset` (all `packedSize` bytes are written). */
export function packCodes(values: Uint8Array, dim: number, bits: number, out: Uint8Array, offset: number): void {
  if (bits === 8) {
    out.set(values.subarray(0, dim), offset);
    return;
  }
  if (bits === 4) {
    let o = offset;
    let d = 0;
    for (; d + 2 <= dim; d += 2) out[o++] = values[d] | (values[d + 1] << 4);
    if (d < dim) out[o] = values[d];
    return;
  }
  if (bits === 6) {
    let o = offset;
    let d = 0;
    for (; d + 4 <= dim; d += 4) {
      const word = values[d] | (values[d + 1] << 6) | (values[d + 2] << 12) | (values[d + 3] << 18);
      out[o++] = word & 0xff;
      out[o++] = (word >>> 8) & 0xff;
      out[o++] = word >>> 16;
    }
    // Tail of 1–3 codes: up to 18 bits over up to 3 bytes.
    let word = 0;
    for (let j = 0; d + j < dim; j++) word |= values[d + j] << (6 * j);
    for (let b = 0; b < packedSize(dim, 6) - (o - offset); b++) out[o + b] = (word >>> (8 * b)) & 0xff;
    return;
  }
  throw new RangeError(`unsupported code width ${bits}`);
}

/** Reads `dim` codes of `bits` bits from `codes` at `offset` into `out`. */
export function unpackCodes(codes: Uint8Array, offset: number, dim: number, bits: number, out: Uint8Array): Uint8Array {
  if (bits === 8) {
    for (let d = 0; d < dim; d++) out[d] = codes[offset + d];
    return out;
  }
  if (bits === 4) {
    let o = offset;
    let d = 0;
    for (; d + 2 <= dim; d += 2) {
      const byte = codes[o++];
      out[d] = byte & 15;
      out[d + 1] = byte >>> 4;
    }
    if (d < dim) out[d] = codes[o] & 15;
    return out;
  }
  if (bits === 6) {
    let o = offset;
    let d = 0;
    for (; d + 4 <= dim; d += 4) {
      const word = codes[o] | (codes[o + 1] << 8) | (codes[o + 2] << 16);
      o += 3;
      out[d] = word & 63;
      out[d + 1] = (word >>> 6) & 63;
      out[d + 2] = (word >>> 12) & 63;
      out[d + 3] = word >>> 18;
    }
    if (d < dim) {
      let word = 0;
      const tailBytes = packedSize(dim, 6) - (o - offset);
      for (let b = 0; b < tailBytes; b++) word |= codes[o + b] << (8 * b);
      for (let j = 0; d + j < dim; j++) out[d + j] = (word >>> (6 * j)) & 63;
    }
    return out;
  }
  throw new RangeError(`unsupported code width ${bits}`);
}
