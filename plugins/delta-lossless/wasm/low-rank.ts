// AssemblyScript source of the low-rank fit's passes over the update matrix (compiled by
// `pnpm build:wasm`, which embeds the binary in src/low-rank-wasm.ts): src/low-rank-kernels.ts's
// JS loops, the same arithmetic in the same order. Nothing is allocated here (the stub runtime
// suffices); every argument is a byte offset into linear memory, where the caller keeps the matrix
// (f64, row-major), the blocks of vectors (f64, one vector after another) and the factors (f32).

/** out (b vectors of `rows`) = D V, V given as b vectors of `cols`: each row dotted while in cache. */
export function multiplyBlock(d: usize, rows: u32, cols: u32, v: usize, b: u32, out: usize): void {
  for (let i: u32 = 0; i < rows; i++) {
    const row = d + ((<usize>i * cols) << 3);
    for (let c: u32 = 0; c < b; c++) {
      const vc = v + ((<usize>c * cols) << 3);
      let s: f64 = 0;
      for (let j: u32 = 0; j < cols; j++) s += load<f64>(row + (<usize>j << 3)) * load<f64>(vc + (<usize>j << 3));
      store<f64>(out + ((<usize>c * rows + i) << 3), s);
    }
  }
}

/** out (b vectors of `cols`) = Dᵀ U, U given as b vectors of `rows`: one pass over D. */
export function multiplyTransposedBlock(d: usize, rows: u32, cols: u32, u: usize, b: u32, out: usize): void {
  memory.fill(out, 0, (<usize>b * cols) << 3);
  for (let i: u32 = 0; i < rows; i++) {
    const row = d + ((<usize>i * cols) << 3);
    for (let c: u32 = 0; c < b; c++) {
      const uc = load<f64>(u + ((<usize>c * rows + i) << 3));
      if (uc == 0) continue;
      const oc = out + ((<usize>c * cols) << 3);
      for (let j: u32 = 0; j < cols; j++) {
        const at = oc + (<usize>j << 3);
        store<f64>(at, load<f64>(at) + load<f64>(row + (<usize>j << 3)) * uc);
      }
    }
  }
}

/** Σ log2(d[k]² + floor) over the first n elements of d. */
export function logSum(d: usize, n: u32, floor: f64): f64 {
  let s: f64 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const x = load<f64>(d + (<usize>k << 3));
    s += Math.log2(x * x + floor);
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
      store<f64>(o, load<f64>(o) + Math.log2(r * r + floor));
    }
  }
}
