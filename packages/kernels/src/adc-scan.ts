import { unpackValues } from './bitpack.js';

/**
 * Asymmetric distance computation (ADC) over packed product codes of any width: for each of n
 * codes, Σ_j table[j·k + c_j], where c_j is sub-code j of m, `nbits` bits each, in bitpack's
 * layout (each code packedBytes(m, nbits) bytes, codes back to back). Sums are in float64 except
 * for 8-bit codes (below).
 *
 * Each width has one summation order, so every scan of it gives the same distances bit for bit:
 * - 8 bits: float32 sums (each addition rounded to f32, as FAISS sums), the sub-spaces read in
 *   `order` (default 0, 1, …, m − 1): those at even positions of it into one sum, those at odd
 *   positions into another, added at the end, exactly as the WASM kernels adcScan8 and
 *   adcScan8TopK, so ProductCodeScanner's JS fallback equals them; sub-codes are read in place.
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
  order?: ArrayLike<number>,
): Float32Array {
  const size = n === 0 ? 0 : (codes.length / n) | 0; // an integer, so index arithmetic stays in small ints
  if (nbits === 8) return scan8(table, k, m, codes, n, size, out, Int32Array.from(order ?? { length: m }, (v, j) => v ?? j));
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

function scan8(table: Float32Array, k: number, m: number, codes: Uint8Array, n: number, size: number, out: Float32Array, order: Int32Array): Float32Array {
  const fround = Math.fround;
  for (let i = 0, o = 0; i < n; i++, o += size) {
    let s0 = 0;
    let s1 = 0;
    let p = 0;
    for (; p + 2 <= m; p += 2) {
      s0 = fround(s0 + table[order[p] * k + codes[o + order[p]]]);
      s1 = fround(s1 + table[order[p + 1] * k + codes[o + order[p + 1]]]);
    }
    if (p < m) s0 = fround(s0 + table[order[p] * k + codes[o + order[p]]]);
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
