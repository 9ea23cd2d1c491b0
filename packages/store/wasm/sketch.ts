// AssemblyScript source of the similarity sketch kernel (compiled by `pnpm build:wasm`,
// which embeds the binary in src/sketch-wasm.ts). One 64 KiB page, fixed layout, nothing allocated:
// the stub runtime suffices.
//
// It computes exactly the sums of similarity.ts's former JS loop: for each of the 64 projections b,
// dots[b] = Σ over sample positions k in ascending order of (bit b of the position's mask ? v : -v),
// zero values skipped. Negation is a sign flip (exact), and every sum adds the same terms in the same
// order, so the results are bit-identical to the JS loop's.

/** Sample values, f64, at most 2,048 (similarity.ts's SAMPLE). */
const VALUES: usize = 0;
/** The 64 projection bits of each sample position k: mix(2k) then mix(2k + 1), u32 each. */
const MASKS: usize = 16384;
/** XOR masks flipping each lane's sign where its bit is clear: 4 v128 for 2 bits. */
const SIGNS: usize = 32768;
/** The 64 sums, f64. */
const DOTS: usize = 32768 + 64;
const SAMPLE: u32 = 2048;

/** 32 pseudo-random bits for a sample position (similarity.ts's `mix`). */
function mix(x: u32): u32 {
  let h = (x ^ 0x9e3779b9) * 0x85ebca6b;
  h ^= h >>> 15;
  h = h * 0x27d4eb2f;
  h ^= h >>> 13;
  return h;
}

/** Fills the masks and sign table; call once per instance. */
export function init(): void {
  for (let k: u32 = 0; k < SAMPLE; k++) {
    store<u32>(MASKS + (<usize>k << 3), mix(k * 2));
    store<u32>(MASKS + (<usize>k << 3) + 4, mix(k * 2 + 1));
  }
  const flip: u64 = 0x8000000000000000;
  for (let t: u32 = 0; t < 4; t++) {
    store<u64>(SIGNS + (<usize>t << 4), t & 1 ? 0 : flip);
    store<u64>(SIGNS + (<usize>t << 4) + 8, t & 2 ? 0 : flip);
  }
}

@inline function term(v: v128, bits: u32): v128 {
  return v128.xor(v, v128.load(SIGNS + (<usize>(bits & 3) << 4)));
}

/** The 64 sums over the first m values (m ≤ 2,048), 8 projections (4 lane pairs) per pass. */
export function sketch(m: i32): void {
  for (let block = 0; block < 8; block++) {
    const word = MASKS + (block >= 4 ? 4 : 0);
    const shift = <u32>(block & 3) << 3;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    for (let k = 0; k < m; k++) {
      const x = load<f64>(VALUES + (<usize>k << 3));
      if (x == 0) continue;
      const bits = load<u32>(word + (<usize>k << 3)) >>> shift;
      const v = f64x2.splat(x);
      a0 = f64x2.add(a0, term(v, bits));
      a1 = f64x2.add(a1, term(v, bits >>> 2));
      a2 = f64x2.add(a2, term(v, bits >>> 4));
      a3 = f64x2.add(a3, term(v, bits >>> 6));
    }
    const out = DOTS + (<usize>block << 6);
    v128.store(out, a0);
    v128.store(out + 16, a1);
    v128.store(out + 32, a2);
    v128.store(out + 48, a3);
  }
}
