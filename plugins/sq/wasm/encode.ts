// AssemblyScript source of the SQ kernels that read training or encoded vectors: encoders,
// per-dimension min–max and the finiteness scan, WASM SIMD (compiled by `pnpm build:wasm` into
// src/wasm-binary.ts next to the scan kernels of wasm/sq.ts; a separate module so that the scan
// module stays small enough for a synchronous compile on a browser's main thread). Arrays live in
// linear memory at byte offsets chosen by the JS side; nothing is allocated here.
//
// Every encoder also checks its input on the way (the level encoder folds x − x, 0 for finite x and
// NaN for NaN and ±Inf; the fp16/bf16 casts keep the largest magnitude) and returns 1 if any value
// was not finite, so `encode` needs no separate scan; the caller then names it.

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Any lane of a folded x − x not 0: a NaN or ±Inf was seen. */
@inline function nonFinite(acc: v128): i32 {
  return v128.any_true(f32x4.ne(acc, f32x4.splat(0))) ? 1 : 0;
}

/**
 * Levels of four float32 values: (x − lower) · inverse + 0.5 in float32, truncated to i32 lanes.
 * Truncation equals the JS encoder's floor wherever the clamp keeps the result: both give 0 for
 * anything below 1, and saturation keeps huge values huge.
 */
@inline function level4(v: v128, lower: usize, inverse: usize): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.sub(v, v128.load(lower)), v128.load(inverse)), f32x4.splat(0.5)));
}

/** NaN in a lane where any of the four vectors holds NaN or ±Inf there (v − v is 0 for finite v), else 0. */
@inline function nonFiniteMark4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.sub(v0, v0), f32x4.sub(v1, v1)), f32x4.add(f32x4.sub(v2, v2), f32x4.sub(v3, v3)));
}

/**
 * Nearest-level codes of one row of dim float32 at x, one byte per dimension to out, in float32
 * arithmetic exactly as the JavaScript encoder (nearestLevel in src/grid.ts) computes them: the
 * same operations in the same order, each rounded to float32, so the codes are bit-identical.
 * Levels below 0 or above top are clamped (the unsigned saturating narrows clamp at 0 and 255).
 */
// narrow_i32x4_s then narrow_i16x8_u: the second takes signed input, so the first must saturate signed.
@inline function levelsRow(x: usize, dim: i32, lower: usize, inverse: usize, top: i32, out: usize, acc: v128): v128 {
  const topV = i8x16.splat(<i8>top);
  let d = 0;
  for (; d + 16 <= dim; d += 16) {
    const p = x + (<usize>d << 2);
    const l = lower + (<usize>d << 2);
    const w = inverse + (<usize>d << 2);
    const v0 = v128.load(p);
    const v1 = v128.load(p + 16);
    const v2 = v128.load(p + 32);
    const v3 = v128.load(p + 48);
    acc = f32x4.add(acc, nonFiniteMark4(v0, v1, v2, v3));
    const c01 = i16x8.narrow_i32x4_s(level4(v0, l, w), level4(v1, l + 16, w + 16));
    const c23 = i16x8.narrow_i32x4_s(level4(v2, l + 32, w + 32), level4(v3, l + 48, w + 48));
    v128.store(out + <usize>d, i8x16.min_u(i8x16.narrow_i16x8_u(c01, c23), topV));
  }
  let bad: f32 = 0;
  for (; d < dim; d++) {
    const v = load<f32>(x + (<usize>d << 2));
    bad += v - v;
    const c = Mathf.floor((v - load<f32>(lower + (<usize>d << 2))) * load<f32>(inverse + (<usize>d << 2)) + <f32>0.5);
    store<u8>(out + <usize>d, c < 0 ? 0 : c > <f32>top ? <u8>top : <u8>c);
  }
  return f32x4.add(acc, f32x4.splat(bad));
}

/** dim 4-bit codes (bytes at c) packed two per byte, the first in the low nibble. */
@inline function pack4Row(c: usize, dim: i32, out: usize): void {
  let d = 0;
  for (; d + 32 <= dim; d += 32) {
    // Each 16-bit lane holds an even code (low byte) and an odd one (high byte).
    const a = v128.load(c + <usize>d);
    const b = v128.load(c + <usize>d + 16);
    const pa = v128.or(v128.and(a, i16x8.splat(0xff)), i16x8.shr_u(a, 4));
    const pb = v128.or(v128.and(b, i16x8.splat(0xff)), i16x8.shr_u(b, 4));
    v128.store(out + (<usize>d >> 1), i8x16.narrow_i16x8_u(pa, pb));
  }
  for (; d + 2 <= dim; d += 2) store<u8>(out + (<usize>d >> 1), load<u8>(c + <usize>d) | (load<u8>(c + <usize>d + 1) << 4));
  if (d < dim) store<u8>(out + (<usize>d >> 1), load<u8>(c + <usize>d));
}

/** dim 6-bit codes (bytes at c) packed four per three bytes, the first in the low bits. */
@inline function pack6Row(c: usize, dim: i32, out: usize): void {
  let d = 0;
  let o = out;
  for (; d + 16 <= dim; d += 16) {
    // Each 32-bit lane holds four codes, one per byte: squeeze them into its low 24 bits.
    const w = v128.load(c + <usize>d);
    const word = v128.or(
      v128.or(v128.and(w, i32x4.splat(0x3f)), v128.and(i32x4.shr_u(w, 2), i32x4.splat(0xfc0))),
      v128.or(v128.and(i32x4.shr_u(w, 4), i32x4.splat(0x3f000)), v128.and(i32x4.shr_u(w, 6), i32x4.splat(0xfc0000))),
    );
    const packed = i8x16.shuffle(word, word, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0);
    v128.store64_lane(o, packed, 0);
    v128.store32_lane(o + 8, packed, 2);
    o += 12;
  }
  for (; d + 4 <= dim; d += 4) {
    const word = <u32>load<u8>(c + <usize>d) | (<u32>load<u8>(c + <usize>d + 1) << 6) | (<u32>load<u8>(c + <usize>d + 2) << 12) | (<u32>load<u8>(c + <usize>d + 3) << 18);
    store<u8>(o, word & 0xff);
    store<u8>(o + 1, (word >> 8) & 0xff);
    store<u8>(o + 2, word >> 16);
    o += 3;
  }
  if (d < dim) {
    // Tail of 1–3 codes: up to 18 bits over up to 3 bytes.
    let word: u32 = 0;
    for (let j = 0; d + j < dim; j++) word |= <u32>load<u8>(c + <usize>(d + j)) << (<u32>j * 6);
    const tailBytes = <usize>(((dim - d) * 6 + 7) >> 3);
    for (let b: usize = 0; b < tailBytes; b++) store<u8>(o + b, (word >> (<u32>b << 3)) & 0xff);
  }
}

/**
 * Uniform-grid codes of n rows of dim float32 at x (lower, inverse: dim float32 each) with
 * 2^bits levels, ceil(dim · bits / 8) bytes per row to out; narrower codes go through scratch
 * (dim + 32 bytes). Returns 1 if a value was NaN or ±Inf.
 */
export function encodeUniform(x: usize, n: i32, dim: i32, lower: usize, inverse: usize, bits: i32, out: usize, scratch: usize): i32 {
  const top = (1 << bits) - 1;
  const size = <usize>((dim * bits + 7) >> 3);
  let acc = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * (<usize>dim << 2);
    const o = out + <usize>i * size;
    if (bits == 8) {
      acc = levelsRow(row, dim, lower, inverse, top, o, acc);
    } else {
      acc = levelsRow(row, dim, lower, inverse, top, scratch, acc);
      if (bits == 4) pack4Row(scratch, dim, o);
      else pack6Row(scratch, dim, o);
    }
  }
  return nonFinite(acc);
}

/**
 * fp16 bits of four float32 magnitudes (bit patterns with the sign cleared), rounded to nearest
 * even, beyond 65504 clamped to it: with the sign put back by halvesRow, the vector form of
 * float32BitsToHalfBits in @reef/codecs (src/dtype-float.ts), bit for bit.
 */
@inline function halfMagnitudes(a: v128): v128 {
  // Round in the float unit: adding M = 2^(e + 13), e the exponent of |x| but at least −14 (fp16's
  // smallest normal), leaves |x| rounded to fp16's spacing there, 2^(e − 10), ties to even, and
  // the bits above M count those steps. The count plus the rebiased exponent are the fp16 bits, for
  // subnormals (e = −14: nothing added) and normals alike; a carry moves into the exponent as it
  // should. Magnitudes from 65504 up are first clamped to it: all of them round to 65504's 0x7bff
  // or beyond, and the clamp keeps M finite.
  const clamped = i32x4.min_u(a, i32x4.splat(0x477fe000));
  const exponent = i32x4.max_u(v128.and(clamped, i32x4.splat(0x7f800000)), i32x4.splat(113 << 23));
  const magic = i32x4.add(exponent, i32x4.splat(13 << 23));
  const steps = i32x4.sub(f32x4.add(clamped, magic), magic);
  return i32x4.add(steps, i32x4.shr_u(i32x4.sub(exponent, i32x4.splat(113 << 23)), 13));
}

/** bf16 bits of four float32 magnitudes: round to nearest even, clamped to the largest finite bf16. */
@inline function bf16Magnitudes(a: v128): v128 {
  const rounded = i32x4.shr_u(i32x4.add(a, i32x4.add(i32x4.splat(0x7fff), v128.and(i32x4.shr_u(a, 16), i32x4.splat(1)))), 16);
  return i32x4.min_u(rounded, i32x4.splat(0x7f7f));
}

@inline function scalarHalf(b: u32): u32 {
  const sign = (b >> 16) & 0x8000;
  const a = b & 0x7fffffff;
  if (a < (113 << 23)) return sign | (reinterpret<u32>(reinterpret<f32>(a) + <f32>0.5) - 0x3f000000);
  const h = (a - (112 << 23) + 0xfff + ((a >> 13) & 1)) >> 13;
  return sign | (h > 0x7bff ? 0x7bff : h);
}

@inline function scalarBf16(b: u32): u32 {
  const rounded = (b + 0x7fff + ((b >> 16) & 1)) >> 16;
  return (rounded & 0x7fff) > 0x7f7f ? (rounded & 0x8000) | 0x7f7f : rounded;
}

/**
 * The casts of n float32 at x, two little-endian bytes each, to out (half: fp16, else bf16; a
 * constant at each call site, so the inlined loop has no branch). Works on magnitudes, whose
 * running unsigned maximum also tells whether any value was NaN or ±Inf; the signs are merged
 * once per eight values, after the narrow. Returns 1 if a value was not finite.
 */
@inline function halvesRun(x: usize, n: i32, half: bool, out: usize): i32 {
  const magnitude = i32x4.splat(0x7fffffff);
  let largest = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v0 = v128.load(x + (<usize>i << 2));
    const v1 = v128.load(x + (<usize>i << 2) + 16);
    const a0 = v128.and(v0, magnitude);
    const a1 = v128.and(v1, magnitude);
    largest = i32x4.max_u(largest, i32x4.max_u(a0, a1));
    const h = half ? i16x8.narrow_i32x4_u(halfMagnitudes(a0), halfMagnitudes(a1)) : i16x8.narrow_i32x4_u(bf16Magnitudes(a0), bf16Magnitudes(a1));
    // The high halves of the eight inputs carry their signs in bit 15.
    const signs = v128.and(i8x16.shuffle(v0, v1, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31), i16x8.splat(<i16>0x8000));
    v128.store(out + (<usize>i << 1), v128.or(h, signs));
  }
  let bad: f32 = 0;
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    bad += v - v;
    store<u16>(out + (<usize>i << 1), <u16>(half ? scalarHalf(reinterpret<u32>(v)) : scalarBf16(reinterpret<u32>(v))));
  }
  return v128.any_true(i32x4.gt_u(largest, i32x4.splat(0x7f7fffff))) || bad != 0 ? 1 : 0;
}

/** n float32 at x cast to fp16 (half) or bf16, two little-endian bytes each, to out; 1 if a value was NaN or ±Inf. */
export function encodeHalves(x: usize, n: i32, half: bool, out: usize): i32 {
  return half ? halvesRun(x, n, true, out) : halvesRun(x, n, false, out);
}

/** 1 if any of n float32 at x is NaN or ±Inf (the training check of estimators that do not prove it). */
export function anyNonFinite(x: usize, n: i32): i32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p);
    const v1 = v128.load(p + 16);
    const v2 = v128.load(p + 32);
    const v3 = v128.load(p + 48);
    acc = f32x4.add(acc, nonFiniteMark4(v0, v1, v2, v3));
  }
  let bad: f32 = 0;
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    bad += v - v;
  }
  return nonFinite(f32x4.add(acc, f32x4.splat(bad)));
}

/**
 * Float bits as ordered integers: negatives get their magnitude bits flipped, so signed integer
 * order is numeric order with −0 < +0 (IEEE min/max for finite values), and every NaN sorts beyond
 * ±Inf. Applying it twice gives the bits back.
 */
@inline function orderKey(v: v128): v128 {
  return v128.xor(v, i32x4.shr_u(i32x4.shr_s(v, 31), 1));
}
@inline function orderKey1(v: i32): i32 {
  return v ^ (<i32>(<u32>(v >> 31) >> 1));
}

/** Maps dim lower and upper bounds between float32 bits and ordered keys, in place (either way). */
@inline function boundsToKeys(lower: usize, upper: usize, dim: i32): void {
  const vec = dim & ~3;
  for (let j = 0; j < vec; j += 4) {
    const off = <usize>j << 2;
    v128.store(lower + off, orderKey(v128.load(lower + off)));
    v128.store(upper + off, orderKey(v128.load(upper + off)));
  }
  for (let j = vec; j < dim; j++) {
    const off = <usize>j << 2;
    store<i32>(lower + off, orderKey1(load<i32>(lower + off)));
    store<i32>(upper + off, orderKey1(load<i32>(upper + off)));
  }
}

/**
 * Per-dimension minimum and maximum of n rows of dim float32 (at x), folded into lower and upper
 * (dim float32 each, initialised by the caller): one streaming pass, four dimensions per step, on
 * ordered integer keys (two integer ops per bound instead of NaN-aware float min/max). A NaN or an
 * infinite value ends up as a bound, so finite bounds prove every value finite: the caller needs no
 * separate scan.
 */
export function minMaxRows(x: usize, n: i32, dim: i32, lower: usize, upper: usize): void {
  const row = <usize>dim << 2;
  const vec = dim & ~3;
  boundsToKeys(lower, upper, dim);
  for (let i = 0; i < n; i++) {
    const r = x + <usize>i * row;
    for (let j = 0; j < vec; j += 4) {
      const off = <usize>j << 2;
      const k = orderKey(v128.load(r + off));
      v128.store(lower + off, i32x4.min_s(v128.load(lower + off), k));
      v128.store(upper + off, i32x4.max_s(v128.load(upper + off), k));
    }
    for (let j = vec; j < dim; j++) {
      const off = <usize>j << 2;
      const k = orderKey1(load<i32>(r + off));
      const lo = load<i32>(lower + off);
      const hi = load<i32>(upper + off);
      store<i32>(lower + off, k < lo ? k : lo);
      store<i32>(upper + off, k > hi ? k : hi);
    }
  }
  boundsToKeys(lower, upper, dim); // the key map is its own inverse: back to floats
}
