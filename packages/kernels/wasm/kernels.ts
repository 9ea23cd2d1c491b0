// AssemblyScript source of the WASM SIMD kernels (compiled by `pnpm build:wasm`, which embeds the
// binary in src/wasm-binary.ts). Arrays live in linear memory at byte offsets chosen by the JS side;
// nothing is allocated here, so the stub runtime suffices.

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Dot product of d floats at byte offsets a and b. */
@inline function dotAt(a: usize, b: usize, d: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= d; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(a + (<usize>j << 2)), v128.load(b + (<usize>j << 2))));
  let s = hsum(acc);
  for (; j < d; j++) s += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return s;
}

/**
 * Nearest of k centroids (k × d at c, squared norms at norms) for each of n points (n × d at x):
 * minimises ‖c‖² − 2⟨x, c⟩ for two points against four centroids at a time (each load feeds
 * several products), then writes the winner's index and its exact squared distance.
 */
export function nearest(x: usize, n: i32, d: i32, c: usize, k: i32, norms: usize, labels: usize, dists: usize): void {
  const row = <usize>d << 2;
  let p = 0;
  for (; p + 2 <= n; p += 2) nearestPair(x + <usize>p * row, d, c, k, norms, labels + (<usize>p << 2));
  if (p < n) nearestOne(x + <usize>p * row, d, c, k, norms, labels + (<usize>p << 2));
  for (let i = 0; i < n; i++) {
    const xo = x + <usize>i * row;
    const co = c + <usize>load<i32>(labels + (<usize>i << 2)) * row;
    // Exact distance to the winner (the expanded form can cancel to a small negative).
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const t = f32x4.sub(v128.load(xo + (<usize>j << 2)), v128.load(co + (<usize>j << 2)));
      acc = f32x4.add(acc, f32x4.mul(t, t));
    }
    let s = hsum(acc);
    for (; j < d; j++) {
      const t = load<f32>(xo + (<usize>j << 2)) - load<f32>(co + (<usize>j << 2));
      s += t * t;
    }
    store<f32>(dists + (<usize>i << 2), s);
  }
}

@inline function nearestPair(xa: usize, d: i32, c: usize, k: i32, norms: usize, labels: usize): void {
  const row = <usize>d << 2;
  const xb = xa + row;
  let bestA = f32.MAX_VALUE;
  let bestB = f32.MAX_VALUE;
  let idxA = 0;
  let idxB = 0;
  let ci = 0;
  for (; ci + 4 <= k; ci += 4) {
    const c0 = c + <usize>ci * row;
    const c1 = c0 + row;
    const c2 = c1 + row;
    const c3 = c2 + row;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0);
    let b1 = f32x4.splat(0);
    let b2 = f32x4.splat(0);
    let b3 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const off = <usize>j << 2;
      const va = v128.load(xa + off);
      const vb = v128.load(xb + off);
      const w0 = v128.load(c0 + off);
      const w1 = v128.load(c1 + off);
      const w2 = v128.load(c2 + off);
      const w3 = v128.load(c3 + off);
      a0 = f32x4.add(a0, f32x4.mul(va, w0));
      a1 = f32x4.add(a1, f32x4.mul(va, w1));
      a2 = f32x4.add(a2, f32x4.mul(va, w2));
      a3 = f32x4.add(a3, f32x4.mul(va, w3));
      b0 = f32x4.add(b0, f32x4.mul(vb, w0));
      b1 = f32x4.add(b1, f32x4.mul(vb, w1));
      b2 = f32x4.add(b2, f32x4.mul(vb, w2));
      b3 = f32x4.add(b3, f32x4.mul(vb, w3));
    }
    let sa0 = hsum(a0);
    let sa1 = hsum(a1);
    let sa2 = hsum(a2);
    let sa3 = hsum(a3);
    let sb0 = hsum(b0);
    let sb1 = hsum(b1);
    let sb2 = hsum(b2);
    let sb3 = hsum(b3);
    for (; j < d; j++) {
      const off = <usize>j << 2;
      const ya = load<f32>(xa + off);
      const yb = load<f32>(xb + off);
      const w0 = load<f32>(c0 + off);
      const w1 = load<f32>(c1 + off);
      const w2 = load<f32>(c2 + off);
      const w3 = load<f32>(c3 + off);
      sa0 += ya * w0;
      sa1 += ya * w1;
      sa2 += ya * w2;
      sa3 += ya * w3;
      sb0 += yb * w0;
      sb1 += yb * w1;
      sb2 += yb * w2;
      sb3 += yb * w3;
    }
    const nb = norms + (<usize>ci << 2);
    const n0 = load<f32>(nb);
    const n1 = load<f32>(nb + 4);
    const n2 = load<f32>(nb + 8);
    const n3 = load<f32>(nb + 12);
    let v = n0 - 2 * sa0;
    if (v < bestA) { bestA = v; idxA = ci; }
    v = n1 - 2 * sa1;
    if (v < bestA) { bestA = v; idxA = ci + 1; }
    v = n2 - 2 * sa2;
    if (v < bestA) { bestA = v; idxA = ci + 2; }
    v = n3 - 2 * sa3;
    if (v < bestA) { bestA = v; idxA = ci + 3; }
    v = n0 - 2 * sb0;
    if (v < bestB) { bestB = v; idxB = ci; }
    v = n1 - 2 * sb1;
    if (v < bestB) { bestB = v; idxB = ci + 1; }
    v = n2 - 2 * sb2;
    if (v < bestB) { bestB = v; idxB = ci + 2; }
    v = n3 - 2 * sb3;
    if (v < bestB) { bestB = v; idxB = ci + 3; }
  }
  for (; ci < k; ci++) {
    const co = c + <usize>ci * row;
    const nv = load<f32>(norms + (<usize>ci << 2));
    const va = nv - 2 * dotAt(xa, co, d);
    if (va < bestA) { bestA = va; idxA = ci; }
    const vb = nv - 2 * dotAt(xb, co, d);
    if (vb < bestB) { bestB = vb; idxB = ci; }
  }
  store<i32>(labels, idxA);
  store<i32>(labels + 4, idxB);
}

@inline function nearestOne(xo: usize, d: i32, c: usize, k: i32, norms: usize, labels: usize): void {
  const row = <usize>d << 2;
  let best = f32.MAX_VALUE;
  let bestIdx = 0;
  for (let ci = 0; ci < k; ci++) {
    const v = load<f32>(norms + (<usize>ci << 2)) - 2 * dotAt(xo, c + <usize>ci * row, d);
    if (v < best) { best = v; bestIdx = ci; }
  }
  store<i32>(labels, bestIdx);
}

/**
 * out (n × b) = x (n × a) · rᵀ where rt is r transposed (b × a), row-major: every output is a dot
 * product of two contiguous rows, computed four columns at a time as in `nearest`.
 */
export function matmulT(x: usize, n: i32, a: i32, rt: usize, b: i32, out: usize): void {
  // Tiles of 16 rows × 32 columns keep both operands' rows in cache while they are reused.
  for (let i0 = 0; i0 < n; i0 += 16) {
    const i1 = min(n, i0 + 16);
    for (let q0 = 0; q0 < b; q0 += 32) {
      const q1 = min(b, q0 + 32);
      let i = i0;
      for (; i + 2 <= i1; i += 2) matmulTilePair(x, i, a, rt, b, q0, q1, out);
      if (i < i1) matmulTile(x, i, a, rt, b, q0, q1, out);
    }
  }
}

/** Rows i and i + 1 of the output, columns q0..q1: each loaded vector feeds several products. */
@inline function matmulTilePair(x: usize, i: i32, a: i32, rt: usize, b: i32, q0: i32, q1: i32, out: usize): void {
  const row = <usize>a << 2;
  const xa = x + <usize>i * row;
  const xb = xa + row;
  const oa = out + ((<usize>i * <usize>b) << 2);
  const ob = oa + (<usize>b << 2);
  let q = q0;
  for (; q + 4 <= q1; q += 4) {
    const r0 = rt + <usize>q * row;
    const r1 = r0 + row;
    const r2 = r1 + row;
    const r3 = r2 + row;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0);
    let b1 = f32x4.splat(0);
    let b2 = f32x4.splat(0);
    let b3 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= a; j += 4) {
      const off = <usize>j << 2;
      const va = v128.load(xa + off);
      const vb = v128.load(xb + off);
      const w0 = v128.load(r0 + off);
      const w1 = v128.load(r1 + off);
      const w2 = v128.load(r2 + off);
      const w3 = v128.load(r3 + off);
      a0 = f32x4.add(a0, f32x4.mul(va, w0));
      a1 = f32x4.add(a1, f32x4.mul(va, w1));
      a2 = f32x4.add(a2, f32x4.mul(va, w2));
      a3 = f32x4.add(a3, f32x4.mul(va, w3));
      b0 = f32x4.add(b0, f32x4.mul(vb, w0));
      b1 = f32x4.add(b1, f32x4.mul(vb, w1));
      b2 = f32x4.add(b2, f32x4.mul(vb, w2));
      b3 = f32x4.add(b3, f32x4.mul(vb, w3));
    }
    let sa0 = hsum(a0);
    let sa1 = hsum(a1);
    let sa2 = hsum(a2);
    let sa3 = hsum(a3);
    let sb0 = hsum(b0);
    let sb1 = hsum(b1);
    let sb2 = hsum(b2);
    let sb3 = hsum(b3);
    for (; j < a; j++) {
      const off = <usize>j << 2;
      const ya = load<f32>(xa + off);
      const yb = load<f32>(xb + off);
      sa0 += ya * load<f32>(r0 + off);
      sa1 += ya * load<f32>(r1 + off);
      sa2 += ya * load<f32>(r2 + off);
      sa3 += ya * load<f32>(r3 + off);
      sb0 += yb * load<f32>(r0 + off);
      sb1 += yb * load<f32>(r1 + off);
      sb2 += yb * load<f32>(r2 + off);
      sb3 += yb * load<f32>(r3 + off);
    }
    const pa = oa + (<usize>q << 2);
    store<f32>(pa, sa0);
    store<f32>(pa + 4, sa1);
    store<f32>(pa + 8, sa2);
    store<f32>(pa + 12, sa3);
    const pb = ob + (<usize>q << 2);
    store<f32>(pb, sb0);
    store<f32>(pb + 4, sb1);
    store<f32>(pb + 8, sb2);
    store<f32>(pb + 12, sb3);
  }
  for (; q < q1; q++) {
    store<f32>(oa + (<usize>q << 2), dotAt(xa, rt + <usize>q * row, a));
    store<f32>(ob + (<usize>q << 2), dotAt(xb, rt + <usize>q * row, a));
  }
}

@inline function matmulTile(x: usize, i: i32, a: i32, rt: usize, b: i32, q0: i32, q1: i32, out: usize): void {
  const row = <usize>a << 2;
  const xo = x + <usize>i * row;
  const oo = out + ((<usize>i * <usize>b) << 2);
  let q = q0;
  for (; q + 4 <= q1; q += 4) {
    const r0 = rt + <usize>q * row;
    const r1 = r0 + row;
    const r2 = r1 + row;
    const r3 = r2 + row;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= a; j += 4) {
      const off = <usize>j << 2;
      const xv = v128.load(xo + off);
      a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(r0 + off)));
      a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(r1 + off)));
      a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(r2 + off)));
      a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(r3 + off)));
    }
    let s0 = hsum(a0);
    let s1 = hsum(a1);
    let s2 = hsum(a2);
    let s3 = hsum(a3);
    for (; j < a; j++) {
      const off = <usize>j << 2;
      const xs = load<f32>(xo + off);
      s0 += xs * load<f32>(r0 + off);
      s1 += xs * load<f32>(r1 + off);
      s2 += xs * load<f32>(r2 + off);
      s3 += xs * load<f32>(r3 + off);
    }
    const o = oo + (<usize>q << 2);
    store<f32>(o, s0);
    store<f32>(o + 4, s1);
    store<f32>(o + 8, s2);
    store<f32>(o + 12, s3);
  }
  for (; q < q1; q++) store<f32>(oo + (<usize>q << 2), dotAt(xo, rt + <usize>q * row, a));
}

/**
 * ADC over codes of 8-bit sub-codes (m bytes per code) and a lookup table of m rows of 256 f32.
 * Row p of the table belongs to the sub-space the caller reads p-th (its `order`: sub-spaces
 * likely to decide a code first, so a hopeless code is recognised after fewer reads). Every code's
 * distance is the same float32 sum, in the same order, wherever it is computed (here, in the
 * blocked scan below, and in scanCodes in src/adc-scan.ts): rows at even positions go to one sum
 * and rows at odd positions to another (so consecutive reads do not wait for each other's adds),
 * added at the end: (t_0 + t_2 + …) + (t_1 + t_3 + …), each + rounded to f32.
 */

/** Distances of n codes (row-major, m bytes each, at codes) from the table, written to out (n f32). */
export function adcScan8(codes: usize, n: i32, m: i32, order: usize, table: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * <usize>m;
    let s0: f32 = 0;
    let s1: f32 = 0;
    let p = 0;
    let t = table;
    for (; p + 2 <= m; p += 2, t += 2048) {
      s0 += load<f32>(t + (<usize>load<u8>(c + <usize>load<i32>(order + (<usize>p << 2))) << 2));
      s1 += load<f32>(t + (<usize>load<u8>(c + <usize>load<i32>(order + (<usize>p << 2), 4)) << 2), 1024);
    }
    if (p < m) s0 += load<f32>(t + (<usize>load<u8>(c + <usize>load<i32>(order + (<usize>p << 2))) << 2));
    store<f32>(out + (<usize>i << 2), s0 + s1);
  }
}

/**
 * The layout adcScan8TopK scans: codes in blocks of 32, each block position-major (byte of code
 * 32b + l at position p: out + 32·m·b + 32p + l, position p holding sub-space order[p]), so the
 * first positions of 32 codes are contiguous and four codes' bytes of one position are adjacent.
 * Lanes past n in the last block are zero.
 */
export function blockCodes32(codes: usize, n: i32, m: i32, order: usize, out: usize): void {
  const blocks = (n + 31) >> 5;
  memory.fill(out, 0, <usize>blocks * 32 * <usize>m);
  for (let i = 0; i < n; i++) {
    const src = codes + <usize>i * <usize>m;
    const dst = out + <usize>(i >> 5) * 32 * <usize>m + <usize>(i & 31);
    for (let p = 0; p < m; p++) store<u8>(dst + (<usize>p << 5), load<u8>(src + <usize>load<i32>(order + (<usize>p << 2))));
  }
}

/** Heap order of @reef/kernels topK: a larger distance is worse; on a tie the larger index is. */
@inline function worse(a: f32, ai: i32, b: f32, bi: i32): bool {
  return a > b || (a == b && ai > bi);
}

/** unreadLowerBounds' second result (the bound from position `from2`). */
let secondBound: f64 = 0;

/**
 * Lower bounds on what table rows from..m-1 (and from2..m-1, in secondBound) can add to any code's
 * sum: the sums of those rows' smallest entries, less a slack. The slack, (m + 2) · 2⁻²² · Σ_p max
 * |row p|, exceeds the f32 rounding errors of a partial sum, of the finished sum and of rounding
 * "root − bound" to f32 together (each under m · 2⁻²⁴ of that scale), so "partial > root − bound"
 * proves the finished f32 sum is ≥ root; it is far below the gaps between distances, so it costs
 * no pruning. Infinite or NaN entries make the bounds -inf or NaN (f32x4.min keeps NaN), and then
 * no comparison with them succeeds: nothing is abandoned.
 */
function unreadLowerBounds(table: usize, m: i32, from: i32, from2: i32): f64 {
  let scale: f64 = 0;
  let bound: f64 = 0;
  let bound2: f64 = 0;
  for (let p = 0; p < m; p++) {
    const row = table + (<usize>p << 10);
    let lo = v128.load(row);
    let hi = f32x4.abs(lo);
    for (let c = 16; c < 1024; c += 16) {
      const t = v128.load(row + <usize>c);
      lo = f32x4.min(lo, t);
      hi = f32x4.max(hi, f32x4.abs(t));
    }
    const l = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
    const h = max(max(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1)), max(f32x4.extract_lane(hi, 2), f32x4.extract_lane(hi, 3)));
    if (p >= from) bound += <f64>l;
    if (p >= from2) bound2 += <f64>l;
    scale += <f64>h;
  }
  const slack = scale * <f64>(m + 2) * 2.384185791015625e-7; // 2^-22
  secondBound = bound2 - slack;
  return bound - slack;
}

/** Four codes' table entries at one position (their bytes at q..q+3) in the lanes of one vector. */
@inline function gather4(t: usize, q: usize): v128 {
  let v = v128.load32_zero(t + (<usize>load<u8>(q) << 2));
  v = v128.load32_lane(t + (<usize>load<u8>(q, 1) << 2), v, 1);
  v = v128.load32_lane(t + (<usize>load<u8>(q, 2) << 2), v, 2);
  return v128.load32_lane(t + (<usize>load<u8>(q, 3) << 2), v, 3);
}

/** One code's sum in a blocked layout (its bytes at c, 32 apart) from position p0 on, continuing s0in/s1in. */
@inline function laneSum(c: usize, p0: i32, m: i32, table: usize, s0in: f32, s1in: f32): f32 {
  let s0 = s0in;
  let s1 = s1in;
  let p = p0;
  let t = table + (<usize>p << 10);
  let q = c + (<usize>p << 5);
  for (; p + 2 <= m; p += 2, t += 2048, q += 64) {
    s0 += load<f32>(t + (<usize>load<u8>(q) << 2));
    s1 += load<f32>(t + (<usize>load<u8>(q, 32) << 2), 1024);
  }
  if (p < m) s0 += load<f32>(t + (<usize>load<u8>(q) << 2));
  return s0 + s1;
}

/**
 * The k smallest distances of n codes (blockCodes32's layout at blocked) from the table, without
 * storing the others: a bounded max-heap of (distance, index) at vals/ids (k entries each), its
 * root the worst kept. Returns the heap size (min(k, n)), unsorted. Same ties and NaN handling as
 * topK. Once the heap is full, each block of 32 codes is scanned in two passes:
 * 1. the first `r1` positions (even) of all 32 codes, four codes per vector, with no branch; codes
 *    whose partial sum plus the smallest entries of the unread rows already exceeds the root (see
 *    unreadLowerBounds) cannot enter the heap and are dropped, the rest marked in a bit mask;
 * 2. each marked code, alone: on to position 2·r1, the same test again, then to the end.
 * A dropped code could not have entered the heap, so the result is exactly the full scan's, at a
 * fraction of the table reads (Fashion-MNIST PQ8, rows in order of centroid variance: 94% of codes
 * stop after 2 of 8).
 */
export function adcScan8TopK(blocked: usize, n: i32, m: i32, table: usize, k: i32, vals: usize, ids: usize, r1: i32): i32 {
  const size = min(k, n);
  const blockBytes = <usize>m << 5;
  const blocks = (n + 31) >> 5;
  // Blocks holding the first k codes: every code summed in full, as the heap fills.
  const head = (size + 31) >> 5;
  for (let b = 0; b < head; b++) {
    for (let l = 0; l < 32; l++) {
      const i = (b << 5) + l;
      if (i >= n) break;
      const v = laneSum(blocked + <usize>b * blockBytes + <usize>l, 0, m, table, 0, 0);
      if (i < size) heapPush(vals, ids, i, v, i);
      else if (v < load<f32>(vals)) heapReplaceRoot(vals, ids, size, v, i);
    }
  }
  if (size == n) return size;
  const r2 = min(m, r1 << 1);
  const rest1 = unreadLowerBounds(table, m, r1, r2);
  const rest2 = secondBound;
  let root = load<f32>(vals);
  let bound1 = f32x4.splat(<f32>(<f64>root - rest1));
  let bound2 = <f32>(<f64>root - rest2);
  const zero = f32x4.splat(0);
  for (let b = head; b < blocks; b++) {
    const block = blocked + <usize>b * blockBytes;
    let mask: u32 = 0;
    // Two groups of four codes per iteration: more independent reads in flight.
    for (let g = 0; g < 8; g += 2) {
      let q = block + (<usize>g << 2);
      let t = table;
      let a0 = zero;
      let a1 = zero;
      let c0 = zero;
      let c1 = zero;
      for (let p = 0; p < r1; p += 2, t += 2048, q += 64) {
        a0 = f32x4.add(a0, gather4(t, q));
        a1 = f32x4.add(a1, gather4(t + 1024, q + 32));
        c0 = f32x4.add(c0, gather4(t, q + 4));
        c1 = f32x4.add(c1, gather4(t + 1024, q + 36));
      }
      // Kept: not (partial > bound), so NaN partial sums are kept, as topK ranks them.
      const dropped = <u32>i32x4.bitmask(f32x4.gt(f32x4.add(a0, a1), bound1)) | (<u32>i32x4.bitmask(f32x4.gt(f32x4.add(c0, c1), bound1)) << 4);
      mask |= (~dropped & 255) << (<u32>g << 2);
    }
    if (b == blocks - 1 && (n & 31) != 0) mask &= (<u32>1 << <u32>(n & 31)) - 1;
    while (mask != 0) {
      const l = ctz(mask);
      mask &= mask - 1;
      // Pass 1's partial sum again (cheaper than storing all 32 for the few kept), then on.
      const c = block + <usize>l;
      let s0: f32 = 0;
      let s1: f32 = 0;
      let p = 0;
      let t = table;
      let q = c;
      for (; p + 2 <= r2; p += 2, t += 2048, q += 64) {
        s0 += load<f32>(t + (<usize>load<u8>(q) << 2));
        s1 += load<f32>(t + (<usize>load<u8>(q, 32) << 2), 1024);
      }
      if (r2 < m && s0 + s1 > bound2) continue;
      const v = laneSum(c, p, m, table, s0, s1);
      if (v < root) {
        heapReplaceRoot(vals, ids, size, v, (b << 5) + <i32>l);
        root = load<f32>(vals);
        bound1 = f32x4.splat(<f32>(<f64>root - rest1));
        bound2 = <f32>(<f64>root - rest2);
      }
    }
  }
  return size;
}

/** Adds (v, i) to the max-heap of `size` entries (worst at the root) by sifting up. */
@inline function heapPush(vals: usize, ids: usize, size: i32, v: f32, i: i32): void {
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    const pv = load<f32>(vals + (<usize>parent << 2));
    const pi = load<i32>(ids + (<usize>parent << 2));
    if (!worse(v, i, pv, pi)) break;
    store<f32>(vals + (<usize>pos << 2), pv);
    store<i32>(ids + (<usize>pos << 2), pi);
    pos = parent;
  }
  store<f32>(vals + (<usize>pos << 2), v);
  store<i32>(ids + (<usize>pos << 2), i);
}

/** Replaces the root of the full max-heap by (v, i) and sifts it down. */
@inline function heapReplaceRoot(vals: usize, ids: usize, size: i32, v: f32, i: i32): void {
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= size) break;
    const r = l + 1;
    let c = l;
    let cv = load<f32>(vals + (<usize>l << 2));
    let ci = load<i32>(ids + (<usize>l << 2));
    if (r < size) {
      const rv = load<f32>(vals + (<usize>r << 2));
      const ri = load<i32>(ids + (<usize>r << 2));
      if (worse(rv, ri, cv, ci)) {
        c = r;
        cv = rv;
        ci = ri;
      }
    }
    if (!worse(cv, ci, v, i)) break;
    store<f32>(vals + (<usize>pos << 2), cv);
    store<i32>(ids + (<usize>pos << 2), ci);
    pos = c;
  }
  store<f32>(vals + (<usize>pos << 2), v);
  store<i32>(ids + (<usize>pos << 2), i);
}

/**
 * Per-label row sums for several label sets at once: for every point i (n × d float32 at x) and
 * every label set j in j0..j1 (labels: n × m int32, set j in column j), adds x_i to row
 * labels[i·m + j] of block j − j0 of `sums` (float64, (j1 − j0) × k × d). Float64 adds in point
 * order, so the sums are exactly those of the plain loop. One pass over x serves every set.
 */
export function sumRowsByLabel(x: usize, n: i32, d: i32, labels: usize, m: i32, j0: i32, j1: i32, k: i32, sums: usize): void {
  const row = <usize>d << 2;
  const block = (<usize>k * <usize>d) << 3;
  for (let i = 0; i < n; i++) {
    const xi = x + <usize>i * row;
    const li = labels + ((<usize>i * <usize>m) << 2);
    for (let j = j0; j < j1; j++) {
      const label = load<i32>(li + (<usize>j << 2));
      const dst = sums + <usize>(j - j0) * block + ((<usize>label * <usize>d) << 3);
      let p = 0;
      for (; p + 4 <= d; p += 4) {
        const v = v128.load(xi + (<usize>p << 2));
        const at = dst + (<usize>p << 3);
        v128.store(at, f64x2.add(v128.load(at), f64x2.promote_low_f32x4(v)));
        v128.store(at + 16, f64x2.add(v128.load(at + 16), f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
      }
      for (; p < d; p++) {
        const at = dst + (<usize>p << 3);
        store<f64>(at, load<f64>(at) + <f64>load<f32>(xi + (<usize>p << 2)));
      }
    }
  }
}

/**
 * cross (dIn × dOut float64) columns off..off + dj += sumsᵀ · book, where sums is k × dIn float64
 * and book k × dj float32: for every label c and input p, cross[p, off + t] += sums[c, p] · book[c, t].
 * Products and adds in float64 in the order of the plain loop (c outer), zero sums skipped.
 */
export function crossAdd(sums: usize, k: i32, dIn: i32, book: usize, dj: i32, cross: usize, dOut: i32, off: i32): void {
  for (let c = 0; c < k; c++) {
    const sc = sums + ((<usize>c * <usize>dIn) << 3);
    const bc = book + ((<usize>c * <usize>dj) << 2);
    for (let p = 0; p < dIn; p++) {
      const s = load<f64>(sc + (<usize>p << 3));
      if (s == 0) continue;
      const sv = f64x2.splat(s);
      const row = cross + ((<usize>p * <usize>dOut + <usize>off) << 3);
      let t = 0;
      for (; t + 2 <= dj; t += 2) {
        const b = f64x2.promote_low_f32x4(v128.load64_zero(bc + (<usize>t << 2)));
        const at = row + (<usize>t << 3);
        v128.store(at, f64x2.add(v128.load(at), f64x2.mul(sv, b)));
      }
      for (; t < dj; t++) {
        const at = row + (<usize>t << 3);
        store<f64>(at, load<f64>(at) + s * <f64>load<f32>(bc + (<usize>t << 2)));
      }
    }
  }
}
