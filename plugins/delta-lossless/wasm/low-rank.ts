// AssemblyScript source of the low-rank fit's passes over the update matrix (compiled by
// `pnpm build:wasm`, which embeds the binary in src/low-rank-wasm.ts): src/low-rank-kernels.ts's
// JS loops, the same arithmetic in the same order. Nothing is allocated here (the stub runtime
// suffices); every argument is a byte offset into linear memory, where the caller keeps the matrix
// (f64, row-major), the blocks of vectors (f64, one vector after another) and the factors (f32),
// from HEAP on (after any static data of the module's).

/** The first byte free for the caller: after the module's static data. */
export const HEAP: usize = __heap_base;

/**
 * log2 of a positive normal x to ~1e-12 (an estimate's precision: the saving estimates only),
 * without the tables of the standard library's (which would take the module past 4 KB): the
 * exponent, then 2 atanh((m - 1) / (m + 1)) / ln 2 for the mantissa m in [√½, √2).
 */
// @ts-ignore: decorator
@inline function log2(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  const series = 1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 * (1.0 / 9 + t2 * (1.0 / 11 + t2 * (1.0 / 13 + t2 / 15))))));
  return <f64>e + 2.8853900817779268 * t * series; // 2 / ln 2
}

/**
 * out (b vectors of `rows`) = D V, V given as b vectors of `cols`: each row dotted while in cache,
 * two lanes at a time (f64x2: the sum's order differs from the JS loop's, which the fit allows).
 */
export function multiplyBlock(d: usize, rows: u32, cols: u32, v: usize, b: u32, out: usize): void {
  const pairs = cols & ~1;
  for (let i: u32 = 0; i < rows; i++) {
    const row = d + ((<usize>i * cols) << 3);
    for (let c: u32 = 0; c < b; c++) {
      const vc = v + ((<usize>c * cols) << 3);
      let s2 = f64x2.splat(0);
      for (let j: u32 = 0; j < pairs; j += 2) {
        s2 = f64x2.add(s2, f64x2.mul(v128.load(row + (<usize>j << 3)), v128.load(vc + (<usize>j << 3))));
      }
      let s: f64 = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
      if (pairs < cols) s += load<f64>(row + (<usize>pairs << 3)) * load<f64>(vc + (<usize>pairs << 3));
      store<f64>(out + ((<usize>c * rows + i) << 3), s);
    }
  }
}

/** out (b vectors of `cols`) = Dᵀ U, U given as b vectors of `rows`: one pass over D, two lanes at a time. */
export function multiplyTransposedBlock(d: usize, rows: u32, cols: u32, u: usize, b: u32, out: usize): void {
  memory.fill(out, 0, (<usize>b * cols) << 3);
  const pairs = cols & ~1;
  for (let i: u32 = 0; i < rows; i++) {
    const row = d + ((<usize>i * cols) << 3);
    for (let c: u32 = 0; c < b; c++) {
      const uc = load<f64>(u + ((<usize>c * rows + i) << 3));
      if (uc == 0) continue;
      const u2 = f64x2.splat(uc);
      const oc = out + ((<usize>c * cols) << 3);
      for (let j: u32 = 0; j < pairs; j += 2) {
        const at = oc + (<usize>j << 3);
        v128.store(at, f64x2.add(v128.load(at), f64x2.mul(v128.load(row + (<usize>j << 3)), u2)));
      }
      if (pairs < cols) {
        const at = oc + (<usize>pairs << 3);
        store<f64>(at, load<f64>(at) + load<f64>(row + (<usize>pairs << 3)) * uc);
      }
    }
  }
}

/**
 * The rows and columns of D (rows × cols) with a nonzero element: live[i] = 1 (rows first, then
 * columns; live is zeroed here); returns whether there is any.
 */
export function liveMarks(d: usize, rows: u32, cols: u32, live: usize): bool {
  memory.fill(live, 0, <usize>rows + cols);
  let any = false;
  for (let i: u32 = 0; i < rows; i++) {
    const row = d + ((<usize>i * cols) << 3);
    let rowLive = false;
    for (let j: u32 = 0; j < cols; j++) {
      if (load<f64>(row + (<usize>j << 3)) != 0) {
        rowLive = true;
        store<u8>(live + rows + j, 1);
      }
    }
    if (rowLive) {
      store<u8>(live + i, 1);
      any = true;
    }
  }
  return any;
}

/**
 * d[k] = t[k] − r[k] (f32 values, in f64) where finite, else 0, for k < n; returns Σ noise[exponent
 * field of t[k]] over the finite ones (noise: 256 f64).
 */
export function update32(t: usize, r: usize, n: u32, noise: usize, d: usize): f64 {
  let floor: f64 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const x = <f64>load<f32>(t + (<usize>k << 2)) - <f64>load<f32>(r + (<usize>k << 2));
    if (x - x == 0) {
      store<f64>(d + (<usize>k << 3), x);
      floor += load<f64>(noise + ((<usize>((load<u32>(t + (<usize>k << 2)) >>> 23) & 0xff)) << 3));
    } else store<f64>(d + (<usize>k << 3), 0);
  }
  return floor;
}

/** Σ log2(d[k]² + floor) over the first n elements of d. */
export function logSum(d: usize, n: u32, floor: f64): f64 {
  let s: f64 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const x = load<f64>(d + (<usize>k << 3));
    s += log2(x * x + floor);
  }
  return s;
}

/**
 * out[c] (f64, c < b) = Σ over the sample (count i32 element indices; the first count elements
 * when sample is 0) of log2(r² + floor), r the
 * residual d − Σ_{c' ≤ c} u_c' v_c' (us: b f32 vectors of `rows`, vs: b f32 vectors of `cols`).
 */
export function residualLogs(d: usize, sample: usize, count: u32, rows: u32, cols: u32, us: usize, vs: usize, b: u32, floor: f64, out: usize): void {
  memory.fill(out, 0, <usize>b << 3);
  for (let k: u32 = 0; k < count; k++) {
    const at: u32 = sample == 0 ? k : load<u32>(sample + (<usize>k << 2));
    const i: u32 = at / cols;
    const j: u32 = at - i * cols;
    let r = load<f64>(d + (<usize>at << 3));
    for (let c: u32 = 0; c < b; c++) {
      r -= <f64>load<f32>(us + ((<usize>c * rows + i) << 2)) * <f64>load<f32>(vs + ((<usize>c * cols + j) << 2));
      const o = out + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + log2(r * r + floor));
    }
  }
}

/**
 * The f32 prediction (src/low-rank-residual.ts's `predict`, the same additions in the same order):
 * out[i, j] = f32(ref[i, j] + Σ_c u[i, c] v[c, j]) where that sum is finite, else ref's own bits.
 * ref: rows × cols f32; factors: U (rows × rank) then V (rank × cols), f32; row: cols f64 of scratch.
 */
export function predict32(ref: usize, rows: u32, cols: u32, rank: u32, factors: usize, out: usize, row: usize): void {
  const vAt = factors + ((<usize>rows * rank) << 2);
  for (let i: u32 = 0; i < rows; i++) {
    const at = (<usize>i * cols) << 2;
    for (let j: u32 = 0; j < cols; j++) store<f64>(row + (<usize>j << 3), <f64>load<f32>(ref + at + (<usize>j << 2)));
    for (let c: u32 = 0; c < rank; c++) {
      const u = <f64>load<f32>(factors + ((<usize>i * rank + c) << 2));
      const v = vAt + ((<usize>c * cols) << 2);
      for (let j: u32 = 0; j < cols; j++) {
        const r = row + (<usize>j << 3);
        store<f64>(r, load<f64>(r) + u * <f64>load<f32>(v + (<usize>j << 2)));
      }
    }
    for (let j: u32 = 0; j < cols; j++) {
      const x = load<f64>(row + (<usize>j << 3));
      const o = at + (<usize>j << 2);
      if (x - x == 0) store<f32>(out + o, <f32>x);
      else store<u32>(out + o, load<u32>(ref + o));
    }
  }
}

/** Modified Gram-Schmidt, twice, over b vectors of `len` f64 at `block`; a vector that vanishes becomes 0. */
export function orthonormalise(block: usize, b: u32, len: u32): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c: u32 = 0; c < b; c++) {
      const at = block + ((<usize>c * len) << 3);
      for (let k: u32 = 0; k < c; k++) {
        const kt = block + ((<usize>k * len) << 3);
        let dot: f64 = 0;
        for (let x: u32 = 0; x < len; x++) dot += load<f64>(at + (<usize>x << 3)) * load<f64>(kt + (<usize>x << 3));
        for (let x: u32 = 0; x < len; x++) {
          const a = at + (<usize>x << 3);
          store<f64>(a, load<f64>(a) - dot * load<f64>(kt + (<usize>x << 3)));
        }
      }
      let norm: f64 = 0;
      for (let x: u32 = 0; x < len; x++) {
        const y = load<f64>(at + (<usize>x << 3));
        norm += y * y;
      }
      norm = Math.sqrt(norm);
      const inv: f64 = norm > 1e-150 ? 1 / norm : 0;
      for (let x: u32 = 0; x < len; x++) {
        const a = at + (<usize>x << 3);
        store<f64>(a, load<f64>(a) * inv);
      }
    }
  }
}

/** out (b × b f64) = the Gram matrix of b vectors of `len` f64 at `block`. */
export function gram(block: usize, b: u32, len: u32, out: usize): void {
  for (let p: u32 = 0; p < b; p++) {
    for (let q: u32 = p; q < b; q++) {
      const pa = block + ((<usize>p * len) << 3);
      const qa = block + ((<usize>q * len) << 3);
      let s: f64 = 0;
      for (let x: u32 = 0; x < len; x++) s += load<f64>(pa + (<usize>x << 3)) * load<f64>(qa + (<usize>x << 3));
      store<f64>(out + ((<usize>p * b + q) << 3), s);
      store<f64>(out + ((<usize>q * b + p) << 3), s);
    }
  }
}
