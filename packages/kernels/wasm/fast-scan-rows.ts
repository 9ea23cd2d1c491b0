// AssemblyScript source of the 4-bit fast scan of codes stored row by row, WASM SIMD (compiled by
// `pnpm build:wasm` into src/wasm-binary.ts). A module of its own beside wasm/fast-scan.ts, whose
// kernels read the blocked layout: this one transposes rows in registers as it goes, so a caller
// with codes in their own per-vector layout (RaBitQ's bits, PQ's sub-codes) scans them without
// rearranging them first. Arrays live in linear memory at byte offsets chosen by the JS side.

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

import { scanRows16 } from './fast-scan-rows-core';

/**
 * The u16 sums of one query over n codes stored row by row (no blocked layout), 16 rows at a time
 * by scanRows16 (fast-scan-rows-core.ts, which says what the rows and tables hold); the same sums as
 * fastScanAll over blockCodes of those bytes. The JS side pads rows to a multiple of 16 (their sums
 * are written, not used) with 16 readable bytes past the last one, and the tables as scanRows16
 * needs. Sums go to `out` in row order (u16 each).
 */
export function fastScanRows(rows: usize, n: i32, stride: i32, bytes: i32, lut: usize, out: usize): void {
  for (let g = 0; g < n; g += 16) scanRows16(rows + <usize>g * <usize>stride, stride, bytes, lut, out + (<usize>g << 1));
}
