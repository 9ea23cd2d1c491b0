// AssemblyScript source of RaBitQ's fast scan of 1-bit codes (compiled by `pnpm build:wasm` into
// src/wasm-binary.ts; a module of its own beside wasm/scan.ts so that each stays under the 4 KB a
// browser's main thread compiles synchronously). Arrays live in linear memory at byte offsets chosen
// by the JS side; nothing is allocated here. It compiles in the fast-scan kernel of @reef/kernels
// from its AssemblyScript source (one source for both; this package ships the binary, so the
// import is needed only to rebuild it). src/fast-scan.ts holds the same computation in JavaScript.
import { scanRows16 } from '../../../packages/kernels/wasm/fast-scan-rows-core';

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** The largest float32 ≤ 1 + 1e-5: the factor check of CodeLayout.readFactors on float32 values. */
const IP_MAX: f32 = 1.0000098943710327;

/** One code's score in float32 (the order of operations of scoreLanes, so both give the same floats). */
@inline function score(norm: f32, rescale: f32, ip: f32, sum: f32, step: f32, offset: f32, base: f32, l2: bool, shrink: bool): f32 {
  const inner = rescale * (sum * step + offset);
  const w = shrink ? ip * ip : <f32>1;
  if (l2) return shrink ? w * (norm * norm - 2 * inner) + base : norm * norm + base - 2 * inner;
  return w * inner + base;
}

/**
 * The fast-scan path (src/fast-scan.ts) for n codes as in scan1 (n a multiple of 16; the JS side
 * pads with zero codes and leaves 16 readable bytes past the last): 16 codes at a time, the u16
 * sums S of the query's u8 tables over their bits (scanRows16, the kernel of @reef/kernels'
 * FastScanRows, compiled in from its source), then per code inner = rescale · (S · step + offset)
 * and the scores of scan1, in float32, four codes per SIMD lane group while the codes are still in
 * cache (in float64 one code at a time this step took longer than the scan). `sums` is 32 bytes of
 * scratch. Only the first `valid` codes are checked and scored. Returns the index of the first code
 * with invalid factors, or −1.
 */
export function scanFast1(codes: usize, n: i32, valid: i32, codeSize: i32, valueBytes: i32, lut: usize, sums: usize, step: f32, offset: f32, base: f32, mode: i32, out: usize): i32 {
  const l2 = (mode & 1) != 0;
  const shrink = (mode & 2) != 0;
  const cs = <usize>codeSize;
  const vStep = f32x4.splat(step);
  const vOffset = f32x4.splat(offset);
  const vBase = f32x4.splat(base);
  const two = f32x4.splat(2);
  const zero = f32x4.splat(0);
  const inf = f32x4.splat(Infinity);
  const ipMax = f32x4.splat(IP_MAX);
  for (let g = 0; g < n; g += 16) {
    const rows = codes + <usize>g * cs;
    scanRows16(rows, codeSize, valueBytes, lut, sums);
    const count = min(16, valid - g);
    let ok = count == 16;
    for (let p = 0; ok && p < 16; p += 4) {
      // Factors of four codes (16 bytes from each: norm, rescale, ip and a byte of the next), transposed to lanes.
      const f = rows + <usize>valueBytes + <usize>p * cs;
      const r0 = v128.load(f);
      const r1 = v128.load(f + cs);
      const r2 = v128.load(f + 2 * cs);
      const r3 = v128.load(f + 3 * cs);
      const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const norm = v128.shuffle<i32>(t0, t1, 0, 1, 4, 5);
      const rescale = v128.shuffle<i32>(t0, t1, 2, 3, 6, 7);
      const ip = v128.shuffle<i32>(t2, t3, 0, 1, 4, 5);
      const valid4 = v128.and(
        v128.and(v128.and(f32x4.ge(norm, zero), f32x4.lt(norm, inf)), v128.and(f32x4.ge(rescale, zero), f32x4.lt(rescale, inf))),
        v128.and(f32x4.gt(ip, zero), f32x4.le(ip, ipMax)),
      );
      if (!i32x4.all_true(valid4)) {
        ok = false;
        break;
      }
      const sum = f32x4.convert_i32x4_u(v128.load16x4_u(sums + (<usize>p << 1)));
      const inner = f32x4.mul(rescale, f32x4.add(f32x4.mul(sum, vStep), vOffset));
      let v: v128;
      if (l2) {
        const nn = f32x4.mul(norm, norm);
        v = shrink ? f32x4.add(f32x4.mul(f32x4.mul(ip, ip), f32x4.sub(nn, f32x4.mul(two, inner))), vBase) : f32x4.sub(f32x4.add(nn, vBase), f32x4.mul(two, inner));
      } else {
        v = shrink ? f32x4.add(f32x4.mul(f32x4.mul(ip, ip), inner), vBase) : f32x4.add(inner, vBase);
      }
      v128.store(out + (<usize>(g + p) << 2), v);
    }
    if (ok) continue;
    // The last, partial group, or one with a bad code: one code at a time (the same floats).
    let f = rows + <usize>valueBytes;
    for (let p = 0; p < count; p++, f += cs) {
      const norm = load<f32>(f);
      const rescale = load<f32>(f + 4);
      const ip = load<f32>(f + 8);
      if (!(norm >= 0 && norm < Infinity && rescale >= 0 && rescale < Infinity && ip > 0 && ip <= IP_MAX)) return g + p;
      const sum = <f32>load<u16>(sums + (<usize>p << 1));
      store<f32>(out + (<usize>(g + p) << 2), score(norm, rescale, ip, sum, step, offset, base, l2, shrink));
    }
  }
  return -1;
}
