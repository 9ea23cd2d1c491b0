/** What turns a query's u8 table sums back into distances: distance ≈ sum / scale + bias. */
export interface TableQuantization {
  readonly scale: number;
  readonly bias: number;
}

/**
 * Quantises a query's m × 16 float lookup table to u8 (FAISS's scheme for fast-scan): per
 * sub-quantizer the smallest entry is subtracted (its bias), and one scale for all of them maps the
 * widest sub-quantizer's range onto 0–255, so sums of m entries rank codes almost as the float sums
 * do. The scale is lowered where m entries could exceed 65,535, the u16 accumulators of the scan
 * (m > 257 with equal ranges). Entries are rounded to nearest, an error of at most half a step each.
 * `negate` quantises −table (inner products: largest first becomes smallest first).
 */
export function quantizeTable(table: Float32Array, m: number, out: Uint8Array, negate = false): TableQuantization {
  const sign = negate ? -1 : 1;
  let maxSpan = 0;
  let sumSpan = 0;
  let bias = 0;
  const mins = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = j * 16; c < j * 16 + 16; c++) {
      const v = sign * table[c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    mins[j] = lo;
    bias += lo;
    maxSpan = Math.max(maxSpan, hi - lo);
    sumSpan += hi - lo;
  }
  // Rounding adds at most m/2 to a sum: (65535 − m) / sumSpan keeps every sum within u16.
  const scale = maxSpan > 0 ? Math.min(255 / maxSpan, (65535 - m) / sumSpan) : 1;
  for (let j = 0; j < m; j++) {
    for (let c = j * 16; c < j * 16 + 16; c++) out[c] = Math.min(255, Math.round(scale * (sign * table[c] - mins[j])));
  }
  return { scale, bias };
}
