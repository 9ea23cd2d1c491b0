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
 * minimises ‖c‖² − 2⟨x, c⟩ four centroids at a time (one load of x feeds four products), then
 * writes the winner's index and its exact squared distance.
 */
export function nearest(x: usize, n: i32, d: i32, c: usize, k: i32, norms: usize, labels: usize, dists: usize): void {
  const row = <usize>d << 2;
  for (let p = 0; p < n; p++) {
    const xo = x + <usize>p * row;
    let best = f32.MAX_VALUE;
    let bestIdx = 0;
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
      let j = 0;
      for (; j + 4 <= d; j += 4) {
        const off = <usize>j << 2;
        const xv = v128.load(xo + off);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(c0 + off)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(c1 + off)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(c2 + off)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(c3 + off)));
      }
      let s0 = hsum(a0);
      let s1 = hsum(a1);
      let s2 = hsum(a2);
      let s3 = hsum(a3);
      for (; j < d; j++) {
        const off = <usize>j << 2;
        const xs = load<f32>(xo + off);
        s0 += xs * load<f32>(c0 + off);
        s1 += xs * load<f32>(c1 + off);
        s2 += xs * load<f32>(c2 + off);
        s3 += xs * load<f32>(c3 + off);
      }
      const nb = norms + (<usize>ci << 2);
      const v0 = load<f32>(nb) - 2 * s0;
      const v1 = load<f32>(nb + 4) - 2 * s1;
      const v2 = load<f32>(nb + 8) - 2 * s2;
      const v3 = load<f32>(nb + 12) - 2 * s3;
      if (v0 < best) { best = v0; bestIdx = ci; }
      if (v1 < best) { best = v1; bestIdx = ci + 1; }
      if (v2 < best) { best = v2; bestIdx = ci + 2; }
      if (v3 < best) { best = v3; bestIdx = ci + 3; }
    }
    for (; ci < k; ci++) {
      const v = load<f32>(norms + (<usize>ci << 2)) - 2 * dotAt(xo, c + <usize>ci * row, d);
      if (v < best) { best = v; bestIdx = ci; }
    }
    store<i32>(labels + (<usize>p << 2), bestIdx);
    // Exact distance to the winner (the expanded form can cancel to a small negative).
    const co = c + <usize>bestIdx * row;
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
    store<f32>(dists + (<usize>p << 2), s);
  }
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
      for (let i = i0; i < i1; i++) matmulTile(x, i, a, rt, b, q0, q1, out);
    }
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
