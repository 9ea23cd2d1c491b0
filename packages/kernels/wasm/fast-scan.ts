// AssemblyScript source of the 4-bit fast-scan kernel, WASM SIMD (compiled by `pnpm build:wasm`,
// which embeds the binary in src/wasm-binary.ts). Arrays live in linear memory at byte offsets chosen
// by the JS side; nothing is allocated here, so the stub runtime suffices.
//
// Codes come in blocks of 32 vectors (src/fast-scan-layout.ts): for block b and sub-quantizer j,
// 16 bytes at codes + (b·m + j)·16, byte p holding vector 32b+p's sub-code j in its low nibble and
// vector 32b+16+p's in its high nibble. A query's table is m × 16 u8 (sub-quantizer j's 16 entries
// at lut + 16j), so one i8x16.swizzle looks up 16 vectors at once. The u8 entries are summed in u16
// lanes; the JS side scales the tables so that no sum exceeds 65,535.

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Max-heap of (u16 sum, id) pairs: the worse pair (larger sum, then larger id) at the root. */
@inline function worse(v: i32, i: i32, pv: i32, pi: i32): bool {
  return v > pv || (v == pv && i > pi);
}

@inline function heapPush(vals: usize, ids: usize, size: i32, v: i32, i: i32): void {
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    const pv = load<i32>(vals + (<usize>parent << 2));
    const pi = load<i32>(ids + (<usize>parent << 2));
    if (!worse(v, i, pv, pi)) break;
    store<i32>(vals + (<usize>pos << 2), pv);
    store<i32>(ids + (<usize>pos << 2), pi);
    pos = parent;
  }
  store<i32>(vals + (<usize>pos << 2), v);
  store<i32>(ids + (<usize>pos << 2), i);
}

@inline function heapReplaceRoot(vals: usize, ids: usize, size: i32, v: i32, i: i32): void {
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= size) break;
    const r = l + 1;
    let c = l;
    let cv = load<i32>(vals + (<usize>l << 2));
    let ci = load<i32>(ids + (<usize>l << 2));
    if (r < size) {
      const rv = load<i32>(vals + (<usize>r << 2));
      const ri = load<i32>(ids + (<usize>r << 2));
      if (worse(rv, ri, cv, ci)) {
        c = r;
        cv = rv;
        ci = ri;
      }
    }
    if (!worse(cv, ci, v, i)) break;
    store<i32>(vals + (<usize>pos << 2), cv);
    store<i32>(ids + (<usize>pos << 2), ci);
    pos = c;
  }
  store<i32>(vals + (<usize>pos << 2), v);
  store<i32>(ids + (<usize>pos << 2), i);
}

/**
 * Offers the 32 sums of block b (stored at `sums` as blockSums leaves them) to a query's heap of up
 * to `cap` entries, in id order, so that ties keep the lower id; ids ≥ n (the last block's padding)
 * are skipped. Returns the heap's new size.
 */
function offerBlock(sums: usize, b: i32, n: i32, cap: i32, size: i32, vals: usize, ids: usize): i32 {
  const first = b << 5;
  const count = min(32, n - first);
  for (let p = 0; p < count; p++) {
    const q = p & 15;
    const v = <i32>load<u16>(sums + (<usize>(p >> 4) << 5) + (<usize>(q & 1) << 4) + (<usize>(q >> 1) << 1));
    const id = first + p;
    if (size < cap) {
      heapPush(vals, ids, size, v, id);
      size++;
    } else if (v < load<i32>(vals)) {
      heapReplaceRoot(vals, ids, size, v, id);
    }
  }
  return size;
}

/** Whether any of the four sum vectors holds a value below `thr` (u16 compare). */
@inline function anyBelow(e0: v128, o1: v128, e2: v128, o3: v128, thr: i32): bool {
  const t = i16x8.splat(<i16>thr);
  return v128.any_true(v128.or(v128.or(i16x8.lt_u(e0, t), i16x8.lt_u(o1, t)), v128.or(i16x8.lt_u(e2, t), i16x8.lt_u(o3, t))));
}

/**
 * The `cap` smallest u16 sums of `nq` queries over n codes (nblocks = ⌈n/32⌉ blocks), queries two at
 * a time so that each block of codes is loaded once per pair. Query q's table is at lut + q·m·16 and
 * its max-heap at vals/ids + q·cap·4 (i32 each); the heaps hold min(cap, n) entries in heap order.
 * `sums` is 64 bytes of scratch.
 *
 * A block's sums build up in four u16x8 vectors: even vectors 0–14, odd 1–15, even 16–30, odd
 * 17–31. Each swizzle result (16 u8) is added as eight u16 lanes (low byte an even vector, high
 * byte an odd one) and, shifted right by 8, as the odd vectors alone; the even sums are then the
 * first minus 256 × the second, exact modulo 2^16 (FAISS's trick: two adds instead of two
 * widenings and two adds).
 */
export function fastScan(codes: usize, nblocks: i32, n: i32, m: i32, lut: usize, nq: i32, cap: i32, vals: usize, ids: usize, sums: usize): void {
  const mask = i8x16.splat(15);
  const stride = <usize>m << 4;
  let q = 0;
  for (; q + 2 <= nq; q += 2) {
    const lutA = lut + <usize>q * stride;
    const lutB = lutA + stride;
    const valsA = vals + (<usize>(q * cap) << 2);
    const idsA = ids + (<usize>(q * cap) << 2);
    const valsB = valsA + (<usize>cap << 2);
    const idsB = idsA + (<usize>cap << 2);
    let sizeA = 0;
    let sizeB = 0;
    let c = codes;
    for (let b = 0; b < nblocks; b++) {
      let a0 = i16x8.splat(0);
      let a1 = i16x8.splat(0);
      let a2 = i16x8.splat(0);
      let a3 = i16x8.splat(0);
      let b0 = i16x8.splat(0);
      let b1 = i16x8.splat(0);
      let b2 = i16x8.splat(0);
      let b3 = i16x8.splat(0);
      for (let j: usize = 0; j < stride; j += 16) {
        const v = v128.load(c + j);
        const lo = v128.and(v, mask);
        const hi = i8x16.shr_u(v, 4);
        const ta = v128.load(lutA + j);
        const ra = i8x16.swizzle(ta, lo);
        const sa = i8x16.swizzle(ta, hi);
        a0 = i16x8.add(a0, ra);
        a1 = i16x8.add(a1, i16x8.shr_u(ra, 8));
        a2 = i16x8.add(a2, sa);
        a3 = i16x8.add(a3, i16x8.shr_u(sa, 8));
        const tb = v128.load(lutB + j);
        const rb = i8x16.swizzle(tb, lo);
        const sb = i8x16.swizzle(tb, hi);
        b0 = i16x8.add(b0, rb);
        b1 = i16x8.add(b1, i16x8.shr_u(rb, 8));
        b2 = i16x8.add(b2, sb);
        b3 = i16x8.add(b3, i16x8.shr_u(sb, 8));
      }
      c += stride;
      a0 = i16x8.sub(a0, i16x8.shl(a1, 8));
      a2 = i16x8.sub(a2, i16x8.shl(a3, 8));
      b0 = i16x8.sub(b0, i16x8.shl(b1, 8));
      b2 = i16x8.sub(b2, i16x8.shl(b3, 8));
      // While a heap is filling every sum enters; after that only those below its root.
      if (sizeA < cap || anyBelow(a0, a1, a2, a3, load<i32>(valsA))) {
        v128.store(sums, a0);
        v128.store(sums, a1, 16);
        v128.store(sums, a2, 32);
        v128.store(sums, a3, 48);
        sizeA = offerBlock(sums, b, n, cap, sizeA, valsA, idsA);
      }
      if (sizeB < cap || anyBelow(b0, b1, b2, b3, load<i32>(valsB))) {
        v128.store(sums, b0);
        v128.store(sums, b1, 16);
        v128.store(sums, b2, 32);
        v128.store(sums, b3, 48);
        sizeB = offerBlock(sums, b, n, cap, sizeB, valsB, idsB);
      }
    }
  }
  if (q < nq) {
    const lutA = lut + <usize>q * stride;
    const valsA = vals + (<usize>(q * cap) << 2);
    const idsA = ids + (<usize>(q * cap) << 2);
    let sizeA = 0;
    let c = codes;
    for (let b = 0; b < nblocks; b++) {
      let a0 = i16x8.splat(0);
      let a1 = i16x8.splat(0);
      let a2 = i16x8.splat(0);
      let a3 = i16x8.splat(0);
      for (let j: usize = 0; j < stride; j += 16) {
        const v = v128.load(c + j);
        const ta = v128.load(lutA + j);
        const ra = i8x16.swizzle(ta, v128.and(v, mask));
        const sa = i8x16.swizzle(ta, i8x16.shr_u(v, 4));
        a0 = i16x8.add(a0, ra);
        a1 = i16x8.add(a1, i16x8.shr_u(ra, 8));
        a2 = i16x8.add(a2, sa);
        a3 = i16x8.add(a3, i16x8.shr_u(sa, 8));
      }
      c += stride;
      a0 = i16x8.sub(a0, i16x8.shl(a1, 8));
      a2 = i16x8.sub(a2, i16x8.shl(a3, 8));
      if (sizeA < cap || anyBelow(a0, a1, a2, a3, load<i32>(valsA))) {
        v128.store(sums, a0);
        v128.store(sums, a1, 16);
        v128.store(sums, a2, 32);
        v128.store(sums, a3, 48);
        sizeA = offerBlock(sums, b, n, cap, sizeA, valsA, idsA);
      }
    }
  }
}

/**
 * The u16 sums of one query over every code (nblocks blocks), in code order at `out` (u16 each,
 * nblocks × 32 of them; the last block's padding included): what search.prepare's distances()
 * de-quantises.
 */
export function fastScanAll(codes: usize, nblocks: i32, m: i32, lut: usize, out: usize): void {
  const mask = i8x16.splat(15);
  const stride = <usize>m << 4;
  let c = codes;
  let o = out;
  for (let b = 0; b < nblocks; b++, o += 64) {
    let a0 = i16x8.splat(0);
    let a1 = i16x8.splat(0);
    let a2 = i16x8.splat(0);
    let a3 = i16x8.splat(0);
    for (let j: usize = 0; j < stride; j += 16) {
      const v = v128.load(c + j);
      const ta = v128.load(lut + j);
      const ra = i8x16.swizzle(ta, v128.and(v, mask));
      const sa = i8x16.swizzle(ta, i8x16.shr_u(v, 4));
      a0 = i16x8.add(a0, ra);
      a1 = i16x8.add(a1, i16x8.shr_u(ra, 8));
      a2 = i16x8.add(a2, sa);
      a3 = i16x8.add(a3, i16x8.shr_u(sa, 8));
    }
    c += stride;
    a0 = i16x8.sub(a0, i16x8.shl(a1, 8));
    a2 = i16x8.sub(a2, i16x8.shl(a3, 8));
    // Back to code order: interleave even and odd lanes.
    v128.store(o, i8x16.shuffle(a0, a1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
    v128.store(o, i8x16.shuffle(a0, a1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
    v128.store(o, i8x16.shuffle(a2, a3, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), 32);
    v128.store(o, i8x16.shuffle(a2, a3, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 48);
  }
}
