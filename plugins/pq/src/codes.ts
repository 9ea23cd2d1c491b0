import { packedBytes, packValues } from '@reef/kernels';

/**
 * Bit-packed PQ codes: m values of nbits bits per vector, least significant bit first, no padding
 * between values (FAISS's layout). These helpers read and write whole batches with tight loops.
 */
export function codeBytes(m: number, nbits: number): number {
  return packedBytes(m, nbits);
}

/** Packs n × m sub-codes (row-major) into n codes of codeBytes(m, nbits) bytes. */
export function packCodes(labels: Int32Array | Uint32Array, n: number, m: number, nbits: number): Uint8Array {
  const size = codeBytes(m, nbits);
  const out = new Uint8Array(n * size);
  if (nbits === 8) {
    for (let i = 0; i < n * m; i++) out[i] = labels[i];
    return out;
  }
  for (let i = 0; i < n; i++) packValues(labels.subarray(i * m, (i + 1) * m), nbits, out, i * size);
  return out;
}

/**
 * Reads the sub-code that starts at bit `bitPos` of `codes` (nbits ≤ 16, so it spans at most three
 * bytes). Only the bytes it covers are read, so the last code of a buffer never reads past it.
 */
export function readSubCode(codes: Uint8Array, bitPos: number, nbits: number): number {
  const byte = bitPos >> 3;
  const shift = bitPos & 7;
  let window = codes[byte];
  if (shift + nbits > 8) window |= codes[byte + 1] << 8;
  if (shift + nbits > 16) window |= codes[byte + 2] << 16;
  return (window >>> shift) & ((1 << nbits) - 1);
}

/** Unpacks n codes into n × m sub-codes (row-major). */
export function unpackCodes(codes: Uint8Array, n: number, m: number, nbits: number, out = new Int32Array(n * m)): Int32Array {
  const size = codeBytes(m, nbits);
  if (nbits === 8) {
    for (let i = 0; i < n * m; i++) out[i] = codes[i];
    return out;
  }
  for (let i = 0; i < n; i++) {
    const base = i * size * 8;
    for (let j = 0; j < m; j++) out[i * m + j] = readSubCode(codes, base + j * nbits, nbits);
  }
  return out;
}
