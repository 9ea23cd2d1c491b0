import { unpackValues } from './bitpack.js';

/**
 * Asymmetric distance computation (ADC) over packed product codes of any width: for each of n
 * codes, Σ_j table[j·k + c_j], where c_j is sub-code j of m, `nbits` bits each, in bitpack's
 * layout (each code packedBytes(m, nbits) bytes, codes back to back). Sums are in float64.
 *
 * Each width keeps the summation order its scan has always used, so distances (and therefore
 * search results) are the same bit for bit as before the scans were shared:
 * - 8 bits: even and odd sub-spaces in two sums, added at the end (as the WASM kernel adcScan8,
 *   so ProductCodeScanner's JS fallback equals it); sub-codes are read in place.
 * - 4 bits: per byte, the two entries its nibbles select are added, then to the sum.
 * - other widths: each code is unpacked (bitpack's fast paths), then summed in sub-space order.
 */
export function scanCodes(
  table: Float32Array,
  k: number,
  m: number,
  nbits: number,
  codes: Uint8Array,
  n: number,
  out: Float32Array = new Float32Array(n),
): Float32Array {
  const size = n === 0 ? 0 : (codes.length / n) | 0; // an integer, so index arithmetic stays in small ints
  if (nbits === 8) return scan8(table, k, m, codes, n, size, out);
  if (nbits === 4) return scan4(table, k, m, codes, n, size, out);
  const sub = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    unpackValues(codes, nbits, m, i * size, sub);
    let s = 0;
    for (let j = 0; j < m; j++) s += table[j * k + sub[j]];
    out[i] = s;
  }
  return out;
}

function scan8(table: Float32Array, k: number, m: number, codes: Uint8Array, n: number, size: number, out: Float32Array): Float32Array {
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
  return out;
}

function scan4(table: Float32Array, k: number, m: number, codes: Uint8Array, n: number, size: number, out: Float32Array): Float32Array {
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
  return out;
}
