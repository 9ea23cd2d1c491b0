/** Vectors per block of fast-scan codes: one i8x16.swizzle looks up 16 of them, two nibbles a byte. */
export const BLOCK = 32;

/**
 * Rearranges n packed 4-bit PQ codes (m sub-codes each, ⌈m/2⌉ bytes, least significant nibble
 * first: ProductQuantizer's layout) into the fast-scan layout: blocks of 32 vectors, and in block b
 * for each sub-quantizer j 16 bytes at (b·m + j)·16, byte p holding vector 32b+p's sub-code j in
 * its low nibble and vector 32b+16+p's in its high nibble (the idea of FAISS's fast-scan layout,
 * for 128-bit registers). The last block is padded with zeros; scans skip the padding.
 */
export function blockCodes(codes: Uint8Array, n: number, m: number, out?: Uint8Array): Uint8Array {
  const size = (m + 1) >> 1;
  const blocks = Math.ceil(n / BLOCK);
  const blocked = out ?? new Uint8Array(blocks * m * 16);
  if (out) blocked.fill(0, 0, blocks * m * 16);
  for (let i = 0; i < n; i++) {
    const b = (i / BLOCK) | 0;
    const p = i & 15;
    const high = (i & 16) !== 0;
    const row = i * size;
    let o = b * m * 16 + p;
    for (let j = 0; j < m; j++, o += 16) {
      const byte = codes[row + (j >> 1)];
      const code = j & 1 ? byte >> 4 : byte & 15;
      blocked[o] |= high ? code << 4 : code;
    }
  }
  return blocked;
}
