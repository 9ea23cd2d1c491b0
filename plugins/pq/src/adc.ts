import { readSubCode } from './codes.js';

/**
 * Asymmetric distance computation: for each code, the sum over sub-spaces of the lookup-table
 * entry its sub-code selects. Byte-aligned 8-bit and nibble-packed 4-bit codes get dedicated loops;
 * other widths read each sub-code from its bit position.
 */
export function scanCodes(table: Float32Array, k: number, m: number, nbits: number, codes: Uint8Array, n: number, out: Float32Array): Float32Array {
  const size = n === 0 ? 0 : (codes.length / n) | 0; // an integer, so index arithmetic stays in small ints
  if (nbits === 8) {
    const k2 = 2 * k;
    for (let i = 0, o = 0; i < n; i++, o += size) {
      // Two independent sums let consecutive table reads overlap.
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      let t = 0;
      for (; j + 2 <= m; j += 2, t += k2) {
        s0 += table[t + codes[o + j]];
        s1 += table[t + k + codes[o + j + 1]];
      }
      if (j < m) s0 += table[t + codes[o + j]];
      out[i] = s0 + s1;
    }
  } else if (nbits === 4) {
    for (let i = 0, o = 0; i < n; i++, o += size) {
      let s = 0;
      let j = 0;
      for (; j + 2 <= m; j += 2) {
        const byte = codes[o + (j >> 1)];
        s += table[j * k + (byte & 15)] + table[(j + 1) * k + (byte >> 4)];
      }
      if (j < m) s += table[j * k + (codes[o + (j >> 1)] & 15)];
      out[i] = s;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const bit0 = i * size * 8;
      let s = 0;
      for (let j = 0; j < m; j++) s += table[j * k + readSubCode(codes, bit0 + j * nbits, nbits)];
      out[i] = s;
    }
  }
  return out;
}
