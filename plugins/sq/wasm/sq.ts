// AssemblyScript source of the SQ scan kernels, WASM SIMD (compiled by `pnpm build:wasm`, which
// embeds the binary in src/wasm-binary.ts). Arrays live in linear memory at byte offsets chosen
// by the JS side; nothing is allocated here, so the stub runtime suffices.
//
// Every kernel scores n codes against per-dimension float32 vectors prepared from the query:
//   l2: Σ_d (r[d] − c_d · step[d])²   with r = query − lower
//   ip: Σ_d c_d · w[d]                with w = query · step (the JS side adds Σ query · lower)

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Lanes 0–3, 4–7, 8–11, 12–15 of sixteen u8 codes as float32x4. */
@inline function codes0(v: v128): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v)));
}
@inline function codes1(v: v128): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(i16x8.extend_low_i8x16_u(v)));
}
@inline function codes2(v: v128): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_high_i8x16_u(v)));
}
@inline function codes3(v: v128): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(i16x8.extend_high_i8x16_u(v)));
}

/** Squared error of one code lane group: (r − c·step)². */
@inline function sq(c: v128, r: usize, step: usize): v128 {
  const e = f32x4.sub(v128.load(r), f32x4.mul(c, v128.load(step)));
  return f32x4.mul(e, e);
}

/** Sixteen 8-bit codes (one per dimension) at dimension offset `o` (bytes of float32 arrays). */
@inline function l2x16(v: v128, r: usize, step: usize, acc: v128): v128 {
  acc = f32x4.add(acc, sq(codes0(v), r, step));
  acc = f32x4.add(acc, sq(codes1(v), r + 16, step + 16));
  acc = f32x4.add(acc, sq(codes2(v), r + 32, step + 32));
  return f32x4.add(acc, sq(codes3(v), r + 48, step + 48));
}

@inline function ipx16(v: v128, w: usize, acc: v128): v128 {
  acc = f32x4.add(acc, f32x4.mul(codes0(v), v128.load(w)));
  acc = f32x4.add(acc, f32x4.mul(codes1(v), v128.load(w + 16)));
  acc = f32x4.add(acc, f32x4.mul(codes2(v), v128.load(w + 32)));
  return f32x4.add(acc, f32x4.mul(codes3(v), v128.load(w + 48)));
}

/** Sixteen packed bytes of 4-bit codes as two vectors of sixteen codes, in dimension order. */
@inline function nibblesLow(v: v128): v128 {
  const lo = v128.and(v, i8x16.splat(15));
  const hi = i8x16.shr_u(v, 4);
  return i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
@inline function nibblesHigh(v: v128): v128 {
  const lo = v128.and(v, i8x16.splat(15));
  const hi = i8x16.shr_u(v, 4);
  return i8x16.shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

@inline function code4(c: usize, d: i32): f32 {
  const byte = load<u8>(c + (<usize>d >> 1));
  return <f32>(d & 1 ? byte >> 4 : byte & 15);
}

/** 8-bit codes, `dim` bytes each. */
export function l2u8(codes: usize, n: i32, dim: i32, r: usize, step: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * <usize>dim;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 16 <= dim; d += 16) acc = l2x16(v128.load(c + d), r + (<usize>d << 2), step + (<usize>d << 2), acc);
    let s = hsum(acc);
    for (; d < dim; d++) {
      const e = load<f32>(r + (<usize>d << 2)) - <f32>load<u8>(c + d) * load<f32>(step + (<usize>d << 2));
      s += e * e;
    }
    store<f32>(out + (<usize>i << 2), s);
  }
}

export function ipu8(codes: usize, n: i32, dim: i32, w: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * <usize>dim;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 16 <= dim; d += 16) acc = ipx16(v128.load(c + d), w + (<usize>d << 2), acc);
    let s = hsum(acc);
    for (; d < dim; d++) s += <f32>load<u8>(c + d) * load<f32>(w + (<usize>d << 2));
    store<f32>(out + (<usize>i << 2), s);
  }
}

/** 4-bit codes, ceil(dim / 2) bytes each, the first dimension in the low nibble. */
export function l2u4(codes: usize, n: i32, dim: i32, r: usize, step: usize, out: usize): void {
  const size = <usize>((dim + 1) >> 1);
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * size;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 32 <= dim; d += 32) {
      const v = v128.load(c + (<usize>d >> 1));
      const o = <usize>d << 2;
      acc = l2x16(nibblesLow(v), r + o, step + o, acc);
      acc = l2x16(nibblesHigh(v), r + o + 64, step + o + 64, acc);
    }
    let s = hsum(acc);
    for (; d < dim; d++) {
      const e = load<f32>(r + (<usize>d << 2)) - code4(c, d) * load<f32>(step + (<usize>d << 2));
      s += e * e;
    }
    store<f32>(out + (<usize>i << 2), s);
  }
}

export function ipu4(codes: usize, n: i32, dim: i32, w: usize, out: usize): void {
  const size = <usize>((dim + 1) >> 1);
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * size;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 32 <= dim; d += 32) {
      const v = v128.load(c + (<usize>d >> 1));
      const o = <usize>d << 2;
      acc = ipx16(nibblesLow(v), w + o, acc);
      acc = ipx16(nibblesHigh(v), w + o + 64, acc);
    }
    let s = hsum(acc);
    for (; d < dim; d++) s += code4(c, d) * load<f32>(w + (<usize>d << 2));
    store<f32>(out + (<usize>i << 2), s);
  }
}

// 16-bit float codes (two little-endian bytes per dimension), scored against the float32 query q.
// fp16 → float32 without tables: the 15 magnitude bits shifted into float32 position and scaled by
// 2^112 give the exact value for normal and subnormal halves alike (codes never hold Inf or NaN).

@inline function halfToF32(x: v128): v128 {
  const magnitude = i32x4.shl(v128.and(x, i32x4.splat(0x7fff)), 13);
  const value = f32x4.mul(magnitude, f32x4.splat(<f32>5.192296858534828e33));
  return v128.or(value, i32x4.shl(v128.and(x, i32x4.splat(0x8000)), 16));
}
@inline function wideLow(v: v128, half: bool): v128 {
  const x = i32x4.extend_low_i16x8_u(v);
  return half ? halfToF32(x) : i32x4.shl(x, 16);
}
@inline function wideHigh(v: v128, half: bool): v128 {
  const x = i32x4.extend_high_i16x8_u(v);
  return half ? halfToF32(x) : i32x4.shl(x, 16);
}
@inline function scalar16(c: usize, d: i32, half: bool): f32 {
  const bits = <u32>load<u16>(c + (<usize>d << 1));
  if (!half) return reinterpret<f32>(bits << 16);
  const value = reinterpret<f32>((bits & 0x7fff) << 13) * <f32>5.192296858534828e33;
  return bits & 0x8000 ? -value : value;
}

@inline function l2f16generic(codes: usize, n: i32, dim: i32, q: usize, out: usize, half: bool): void {
  const size = <usize>dim << 1;
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * size;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 8 <= dim; d += 8) {
      const v = v128.load(c + (<usize>d << 1));
      const o = q + (<usize>d << 2);
      const e0 = f32x4.sub(v128.load(o), wideLow(v, half));
      const e1 = f32x4.sub(v128.load(o + 16), wideHigh(v, half));
      acc = f32x4.add(acc, f32x4.add(f32x4.mul(e0, e0), f32x4.mul(e1, e1)));
    }
    let s = hsum(acc);
    for (; d < dim; d++) {
      const e = load<f32>(q + (<usize>d << 2)) - scalar16(c, d, half);
      s += e * e;
    }
    store<f32>(out + (<usize>i << 2), s);
  }
}

@inline function ipf16generic(codes: usize, n: i32, dim: i32, q: usize, out: usize, half: bool): void {
  const size = <usize>dim << 1;
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * size;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 8 <= dim; d += 8) {
      const v = v128.load(c + (<usize>d << 1));
      const o = q + (<usize>d << 2);
      acc = f32x4.add(acc, f32x4.add(f32x4.mul(v128.load(o), wideLow(v, half)), f32x4.mul(v128.load(o + 16), wideHigh(v, half))));
    }
    let s = hsum(acc);
    for (; d < dim; d++) s += load<f32>(q + (<usize>d << 2)) * scalar16(c, d, half);
    store<f32>(out + (<usize>i << 2), s);
  }
}

export function l2f16(codes: usize, n: i32, dim: i32, q: usize, out: usize): void {
  l2f16generic(codes, n, dim, q, out, true);
}
export function ipf16(codes: usize, n: i32, dim: i32, q: usize, out: usize): void {
  ipf16generic(codes, n, dim, q, out, true);
}
export function l2bf16(codes: usize, n: i32, dim: i32, q: usize, out: usize): void {
  l2f16generic(codes, n, dim, q, out, false);
}
export function ipbf16(codes: usize, n: i32, dim: i32, q: usize, out: usize): void {
  ipf16generic(codes, n, dim, q, out, false);
}

/** Unpacks one code of 6-bit values (four per three bytes, first in the low bits) to bytes. */
@inline function unpack6(c: usize, dim: i32, scratch: usize): void {
  let d = 0;
  let o = c;
  for (; d + 4 <= dim; d += 4) {
    const word = <u32>load<u8>(o) | (<u32>load<u8>(o + 1) << 8) | (<u32>load<u8>(o + 2) << 16);
    store<u32>(scratch + <usize>d, (word & 63) | (((word >> 6) & 63) << 8) | (((word >> 12) & 63) << 16) | ((word >> 18) << 24));
    o += 3;
  }
  if (d < dim) {
    const tailBytes = <usize>(((dim - d) * 6 + 7) >> 3);
    let word: u32 = 0;
    for (let b: usize = 0; b < tailBytes; b++) word |= <u32>load<u8>(o + b) << (<u32>b << 3);
    for (let j = 0; d + j < dim; j++) store<u8>(scratch + <usize>(d + j), (word >> (<u32>j * 6)) & 63);
  }
}

/** 6-bit codes, ceil(6·dim / 8) bytes each: unpacked to `scratch` (dim bytes), then as 8-bit. */
export function l2u6(codes: usize, n: i32, dim: i32, r: usize, step: usize, out: usize, scratch: usize): void {
  const size = <usize>((dim * 6 + 7) >> 3);
  for (let i = 0; i < n; i++) {
    unpack6(codes + <usize>i * size, dim, scratch);
    l2u8(scratch, 1, dim, r, step, out + (<usize>i << 2));
  }
}

export function ipu6(codes: usize, n: i32, dim: i32, w: usize, out: usize, scratch: usize): void {
  const size = <usize>((dim * 6 + 7) >> 3);
  for (let i = 0; i < n; i++) {
    unpack6(codes + <usize>i * size, dim, scratch);
    ipu8(scratch, 1, dim, w, out + (<usize>i << 2));
  }
}
