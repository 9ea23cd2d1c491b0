// The 4-bit fast scan of 16 codes stored row by row, shared by wasm/fast-scan-rows.ts and by
// plugins that fuse their own per-code step after it (RaBitQ's wasm/scan.ts imports it at build
// time). Not an entry: it exports nothing to JS.

/**
 * The u16 sums of one query's u8 tables over 16 rows (row i at rows + i·stride), written to `out`
 * (16 u16, row order). A row's first `bytes` bytes hold 2·bytes 4-bit sub-codes (sub-code 2t in the
 * low nibble of byte t, 2t + 1 in the high one). Their 16-byte slices at t0 = 0, 16, … are
 * transposed in registers (four rounds of byte interleaves: after them vector t holds byte t0 + t
 * of the 16 rows), and each vector's two nibbles index sub-quantizers 2(t0 + t) and 2(t0 + t) + 1.
 * Each row must have 16 readable bytes from every t0 < bytes, and `lut` must hold ⌈bytes/16⌉·32
 * tables of 16 u8 (sub-quantizer j's at lut + 16j), zero past the 2·bytes real ones, so that bytes
 * past `bytes` in a slice add nothing. Sums are exact while below 65,536 (u16 lanes; FAISS's trick
 * of adding each swizzle result as u16 lanes and, shifted right by 8, as the odd lanes alone).
 */
@inline export function scanRows16(rows: usize, stride: i32, bytes: i32, lut: usize, out: usize): void {
  const mask = i8x16.splat(15);
  let v0 = i8x16.splat(0), v1 = i8x16.splat(0), v2 = i8x16.splat(0), v3 = i8x16.splat(0), v4 = i8x16.splat(0), v5 = i8x16.splat(0), v6 = i8x16.splat(0), v7 = i8x16.splat(0), v8 = i8x16.splat(0), v9 = i8x16.splat(0), v10 = i8x16.splat(0), v11 = i8x16.splat(0), v12 = i8x16.splat(0), v13 = i8x16.splat(0), v14 = i8x16.splat(0), v15 = i8x16.splat(0);
  let w0 = i8x16.splat(0), w1 = i8x16.splat(0), w2 = i8x16.splat(0), w3 = i8x16.splat(0), w4 = i8x16.splat(0), w5 = i8x16.splat(0), w6 = i8x16.splat(0), w7 = i8x16.splat(0), w8 = i8x16.splat(0), w9 = i8x16.splat(0), w10 = i8x16.splat(0), w11 = i8x16.splat(0), w12 = i8x16.splat(0), w13 = i8x16.splat(0), w14 = i8x16.splat(0), w15 = i8x16.splat(0);
  let r = i8x16.splat(0);
  let s = i8x16.splat(0);
  let a = i16x8.splat(0);
  let b = i16x8.splat(0);
  let l = lut;
  for (let t0 = 0; t0 < bytes; t0 += 16) {
    const row = rows + <usize>t0;
    v0 = v128.load(row + <usize>0 * <usize>stride);
    v1 = v128.load(row + <usize>1 * <usize>stride);
    v2 = v128.load(row + <usize>2 * <usize>stride);
    v3 = v128.load(row + <usize>3 * <usize>stride);
    v4 = v128.load(row + <usize>4 * <usize>stride);
    v5 = v128.load(row + <usize>5 * <usize>stride);
    v6 = v128.load(row + <usize>6 * <usize>stride);
    v7 = v128.load(row + <usize>7 * <usize>stride);
    v8 = v128.load(row + <usize>8 * <usize>stride);
    v9 = v128.load(row + <usize>9 * <usize>stride);
    v10 = v128.load(row + <usize>10 * <usize>stride);
    v11 = v128.load(row + <usize>11 * <usize>stride);
    v12 = v128.load(row + <usize>12 * <usize>stride);
    v13 = v128.load(row + <usize>13 * <usize>stride);
    v14 = v128.load(row + <usize>14 * <usize>stride);
    v15 = v128.load(row + <usize>15 * <usize>stride);
    w0 = i8x16.shuffle(v0, v8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w1 = i8x16.shuffle(v0, v8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w2 = i8x16.shuffle(v1, v9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w3 = i8x16.shuffle(v1, v9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w4 = i8x16.shuffle(v2, v10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w5 = i8x16.shuffle(v2, v10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w6 = i8x16.shuffle(v3, v11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w7 = i8x16.shuffle(v3, v11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w8 = i8x16.shuffle(v4, v12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w9 = i8x16.shuffle(v4, v12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w10 = i8x16.shuffle(v5, v13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w11 = i8x16.shuffle(v5, v13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w12 = i8x16.shuffle(v6, v14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w13 = i8x16.shuffle(v6, v14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w14 = i8x16.shuffle(v7, v15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w15 = i8x16.shuffle(v7, v15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v0 = i8x16.shuffle(w0, w8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v1 = i8x16.shuffle(w0, w8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v2 = i8x16.shuffle(w1, w9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v3 = i8x16.shuffle(w1, w9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v4 = i8x16.shuffle(w2, w10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v5 = i8x16.shuffle(w2, w10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v6 = i8x16.shuffle(w3, w11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v7 = i8x16.shuffle(w3, w11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v8 = i8x16.shuffle(w4, w12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v9 = i8x16.shuffle(w4, w12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v10 = i8x16.shuffle(w5, w13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v11 = i8x16.shuffle(w5, w13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v12 = i8x16.shuffle(w6, w14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v13 = i8x16.shuffle(w6, w14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v14 = i8x16.shuffle(w7, w15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v15 = i8x16.shuffle(w7, w15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w0 = i8x16.shuffle(v0, v8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w1 = i8x16.shuffle(v0, v8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w2 = i8x16.shuffle(v1, v9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w3 = i8x16.shuffle(v1, v9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w4 = i8x16.shuffle(v2, v10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w5 = i8x16.shuffle(v2, v10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w6 = i8x16.shuffle(v3, v11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w7 = i8x16.shuffle(v3, v11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w8 = i8x16.shuffle(v4, v12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w9 = i8x16.shuffle(v4, v12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w10 = i8x16.shuffle(v5, v13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w11 = i8x16.shuffle(v5, v13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w12 = i8x16.shuffle(v6, v14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w13 = i8x16.shuffle(v6, v14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w14 = i8x16.shuffle(v7, v15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    w15 = i8x16.shuffle(v7, v15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v0 = i8x16.shuffle(w0, w8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v1 = i8x16.shuffle(w0, w8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v2 = i8x16.shuffle(w1, w9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v3 = i8x16.shuffle(w1, w9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v4 = i8x16.shuffle(w2, w10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v5 = i8x16.shuffle(w2, w10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v6 = i8x16.shuffle(w3, w11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v7 = i8x16.shuffle(w3, w11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v8 = i8x16.shuffle(w4, w12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v9 = i8x16.shuffle(w4, w12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v10 = i8x16.shuffle(w5, w13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v11 = i8x16.shuffle(w5, w13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v12 = i8x16.shuffle(w6, w14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v13 = i8x16.shuffle(w6, w14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v14 = i8x16.shuffle(w7, w15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v15 = i8x16.shuffle(w7, w15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    r = i8x16.swizzle(v128.load(l, 0), v128.and(v0, mask));
    s = i8x16.swizzle(v128.load(l, 16), i8x16.shr_u(v0, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 32), v128.and(v1, mask));
    s = i8x16.swizzle(v128.load(l, 48), i8x16.shr_u(v1, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 64), v128.and(v2, mask));
    s = i8x16.swizzle(v128.load(l, 80), i8x16.shr_u(v2, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 96), v128.and(v3, mask));
    s = i8x16.swizzle(v128.load(l, 112), i8x16.shr_u(v3, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 128), v128.and(v4, mask));
    s = i8x16.swizzle(v128.load(l, 144), i8x16.shr_u(v4, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 160), v128.and(v5, mask));
    s = i8x16.swizzle(v128.load(l, 176), i8x16.shr_u(v5, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 192), v128.and(v6, mask));
    s = i8x16.swizzle(v128.load(l, 208), i8x16.shr_u(v6, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 224), v128.and(v7, mask));
    s = i8x16.swizzle(v128.load(l, 240), i8x16.shr_u(v7, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 256), v128.and(v8, mask));
    s = i8x16.swizzle(v128.load(l, 272), i8x16.shr_u(v8, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 288), v128.and(v9, mask));
    s = i8x16.swizzle(v128.load(l, 304), i8x16.shr_u(v9, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 320), v128.and(v10, mask));
    s = i8x16.swizzle(v128.load(l, 336), i8x16.shr_u(v10, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 352), v128.and(v11, mask));
    s = i8x16.swizzle(v128.load(l, 368), i8x16.shr_u(v11, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 384), v128.and(v12, mask));
    s = i8x16.swizzle(v128.load(l, 400), i8x16.shr_u(v12, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 416), v128.and(v13, mask));
    s = i8x16.swizzle(v128.load(l, 432), i8x16.shr_u(v13, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 448), v128.and(v14, mask));
    s = i8x16.swizzle(v128.load(l, 464), i8x16.shr_u(v14, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    r = i8x16.swizzle(v128.load(l, 480), v128.and(v15, mask));
    s = i8x16.swizzle(v128.load(l, 496), i8x16.shr_u(v15, 4));
    a = i16x8.add(a, i16x8.add(r, s));
    b = i16x8.add(b, i16x8.add(i16x8.shr_u(r, 8), i16x8.shr_u(s, 8)));
    l += 512;
  }
  a = i16x8.sub(a, i16x8.shl(b, 8));
  // Back to row order: interleave even and odd lanes.
  v128.store(out, i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
  v128.store(out, i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
}
