// AssemblyScript source of RaBitQ's 1-bit scan (compiled by `pnpm build:wasm`, which embeds the
// binary in src/wasm-binary.ts). Arrays live in linear memory at byte offsets chosen by the JS side;
// nothing is allocated here, so the stub runtime suffices. src/bit-scan.ts holds the same
// computation in JavaScript (used where WebAssembly is unavailable) and documents it.

/** First byte the JS side may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Scores n codes of codeSize bytes: valueBytes of code bits, then float32 norm, rescale, ip.
 * `planes` holds the 4-bit quantised query as 4 bit-planes of `stride` bytes each (bit j of plane b
 * is bit b of the query's value j), so Σ_j u_j·q̃_j = Σ_b 2^b · popcount(code & plane_b), 64 bits at a
 * time. mode: bit 0 = l2 (else ip), bit 1 = shrink by ip² (the decoded-vector distance).
 * Returns the index of the first code with invalid factors, or −1.
 */
export function scan1(codes: usize, n: i32, codeSize: i32, valueBytes: i32, planes: usize, stride: i32, delta: f64, lo: f64, shift: f64, base: f64, mode: i32, out: usize): i32 {
  const full = valueBytes >> 3;
  const tail = valueBytes & 7;
  const l2 = (mode & 1) != 0;
  const shrink = (mode & 2) != 0;
  const s1 = <usize>stride;
  if (full == 2 && tail == 0) return scan128(codes, n, codeSize, planes, s1, delta, lo, shift, base, l2, shrink, out);
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * <usize>codeSize;
    // i32 sums: converting an unsigned i64 to f64 takes a multi-instruction sequence on x64, i32 one.
    let ones: i32 = 0;
    let p0: i32 = 0;
    let p1: i32 = 0;
    let p2: i32 = 0;
    let p3: i32 = 0;
    // Scalar 64-bit popcounts: i8x16.popcnt over 16 bytes measured about 1.8× slower here (V8 emulates
    // it with table shuffles; popcnt is one instruction).
    for (let w = 0; w < full; w++) {
      const x = load<u64>(c + (<usize>w << 3));
      const q = planes + (<usize>w << 3);
      ones += <i32>popcnt<u64>(x);
      p0 += <i32>popcnt<u64>(x & load<u64>(q));
      p1 += <i32>popcnt<u64>(x & load<u64>(q + s1));
      p2 += <i32>popcnt<u64>(x & load<u64>(q + 2 * s1));
      p3 += <i32>popcnt<u64>(x & load<u64>(q + 3 * s1));
    }
    if (tail != 0) {
      const at = c + (<usize>full << 3);
      let x: u64 = 0;
      for (let b = 0; b < tail; b++) x |= (<u64>load<u8>(at + <usize>b)) << (<u64>b << 3);
      const q = planes + (<usize>full << 3);
      ones += <i32>popcnt<u64>(x);
      p0 += <i32>popcnt<u64>(x & load<u64>(q));
      p1 += <i32>popcnt<u64>(x & load<u64>(q + s1));
      p2 += <i32>popcnt<u64>(x & load<u64>(q + 2 * s1));
      p3 += <i32>popcnt<u64>(x & load<u64>(q + 3 * s1));
    }
    const weighted = p0 + 2 * p1 + 4 * p2 + 8 * p3;
    const f = c + <usize>valueBytes;
    const norm = <f64>load<f32>(f);
    const rescale = <f64>load<f32>(f + 4);
    const ip = <f64>load<f32>(f + 8);
    if (!(norm >= 0 && norm < Infinity && rescale >= 0 && rescale < Infinity && ip > 0 && ip <= 1 + 1e-5)) return i;
    const inner = rescale * (delta * <f64>weighted + lo * <f64>ones - shift);
    let v: f64;
    if (l2) v = shrink ? base + ip * ip * (norm * norm - 2 * inner) : norm * norm + base - 2 * inner;
    else v = shrink ? base + ip * ip * inner : base + inner;
    store<f32>(out + (<usize>i << 2), <f32>v);
  }
  return -1;
}

/**
 * scan1 for 16 value bytes (dim 121–128, the common 128-d case): the eight plane words stay in
 * locals instead of being loaded again for every code.
 */
function scan128(codes: usize, n: i32, codeSize: i32, planes: usize, s1: usize, delta: f64, lo: f64, shift: f64, base: f64, l2: bool, shrink: bool, out: usize): i32 {
  const a0 = load<u64>(planes);
  const a1 = load<u64>(planes + s1);
  const a2 = load<u64>(planes + 2 * s1);
  const a3 = load<u64>(planes + 3 * s1);
  const b0 = load<u64>(planes + 8);
  const b1 = load<u64>(planes + s1 + 8);
  const b2 = load<u64>(planes + 2 * s1 + 8);
  const b3 = load<u64>(planes + 3 * s1 + 8);
  for (let i = 0; i < n; i++) {
    const c = codes + <usize>i * <usize>codeSize;
    const x = load<u64>(c);
    const y = load<u64>(c + 8);
    const ones = <i32>(popcnt<u64>(x) + popcnt<u64>(y));
    const weighted = <i32>(popcnt<u64>(x & a0) + popcnt<u64>(y & b0))
      + 2 * <i32>(popcnt<u64>(x & a1) + popcnt<u64>(y & b1))
      + 4 * <i32>(popcnt<u64>(x & a2) + popcnt<u64>(y & b2))
      + 8 * <i32>(popcnt<u64>(x & a3) + popcnt<u64>(y & b3));
    const f = c + 16;
    const norm = <f64>load<f32>(f);
    const rescale = <f64>load<f32>(f + 4);
    const ip = <f64>load<f32>(f + 8);
    if (!(norm >= 0 && norm < Infinity && rescale >= 0 && rescale < Infinity && ip > 0 && ip <= 1 + 1e-5)) return i;
    const inner = rescale * (delta * <f64>weighted + lo * <f64>ones - shift);
    let v: f64;
    if (l2) v = shrink ? base + ip * ip * (norm * norm - 2 * inner) : norm * norm + base - 2 * inner;
    else v = shrink ? base + ip * ip * inner : base + inner;
    store<f32>(out + (<usize>i << 2), <f32>v);
  }
  return -1;
}
