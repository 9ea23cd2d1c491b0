// AssemblyScript source of the lattice search kernel, WASM SIMD (compiled by `pnpm build:wasm`, which
// embeds the binary in src/wasm-binary.ts). Arrays live in linear memory at byte offsets chosen by
// the JS side (src/int8-rows.ts); nothing is allocated here, so the stub runtime suffices.

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * out[i] = Σ_j w[j] · rows[i·stride + j] for n rows of int8 values (stride a multiple of 16, padding
 * zero), w float32: a quarter of the memory traffic of float32 rows. Products and sums in float32,
 * four lanes, lanes added at the end of each row.
 */
export function dotsI8(rows: usize, n: i32, stride: i32, w: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const r = rows + <usize>i * <usize>stride;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let j = 0; j < stride; j += 16) {
      const v = v128.load(r + <usize>j);
      const lo = i16x8.extend_low_i8x16_s(v);
      const hi = i16x8.extend_high_i8x16_s(v);
      const q = w + (<usize>j << 2);
      a0 = f32x4.add(a0, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), v128.load(q)));
      a1 = f32x4.add(a1, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), v128.load(q + 16)));
      a2 = f32x4.add(a2, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), v128.load(q + 32)));
      a3 = f32x4.add(a3, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), v128.load(q + 48)));
    }
    const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    store<f32>(out + (<usize>i << 2), f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  }
}
