import { LOW_RANK_WASM_BASE64 } from './wasm-binary.js';

/**
 * The passes of the low-rank fit over the update matrix, and the memory they work in. In
 * WebAssembly where it runs (wasm/low-rank.ts): compiled before it runs, so a fit in a fresh
 * process (as the CLI makes one per command) does not run its f64 loops in the interpreter, boxing
 * every product, while the JIT warms up. In JS otherwise (and for what does not fit in 4 GiB).
 * Both do the same arithmetic in the same order.
 *
 * Arrays come from `Workspace.f64/f32/i32`: views of the module's memory past its static data,
 * reserved up front (a memory that grows would detach the views handed out before), or plain typed
 * arrays in JS. The kernels take only such views.
 */
export interface Workspace {
  f64(length: number): Float64Array;
  f32(length: number): Float32Array;
  i32(length: number): Int32Array;
  /** out (b vectors of `rows`) = D V, V given as b vectors of `cols`. */
  multiplyBlock(d: Float64Array, rows: number, cols: number, v: Float64Array, b: number, out: Float64Array): void;
  /** out (b vectors of `cols`) = Dᵀ U, U given as b vectors of `rows`. */
  multiplyTransposedBlock(d: Float64Array, rows: number, cols: number, u: Float64Array, b: number, out: Float64Array): void;
  /** The rows (live[i]) and columns (live[rows + j]) of d with a nonzero element, and whether there is any. */
  liveMarks(d: Float64Array, rows: number, cols: number): { live: Uint8Array; any: boolean };
  /**
   * The whole update of an f32 tensor in this workspace, where it runs that in WebAssembly: d =
   * t − r where finite, else 0, and Σ noise[exponent field of t] over the finite elements; null in JS.
   */
  update32?(tBits: Uint32Array, rBits: Uint32Array, noise: Float64Array): { d: Float64Array; floorSum: number };
  /** Modified Gram-Schmidt, twice (enough for orthogonality in f64), over b vectors of `len`; a vector that vanishes becomes 0. */
  orthonormalise(block: Float64Array, b: number, len: number): void;
  /** The Gram matrix (b × b) of b vectors of `len`. */
  gram(block: Float64Array, b: number, len: number): Float64Array;
  /** Σ log2(x² + floor) over `d`. */
  logSum(d: Float64Array, floor: number): number;
  /**
   * Per rank c + 1 ≤ b: Σ over the sampled elements (every element when `sample` is null) of
   * log2(r² + floor), r = d − Σ_{c' ≤ c} us[c'] vs[c'] (us: b × rows, vs: b × cols).
   */
  residualLogs(d: Float64Array, sample: Int32Array | null, rows: number, cols: number, us: Float32Array, vs: Float32Array, b: number, floor: number): Float64Array;
  /**
   * The f32 prediction of low-rank-residual (`predict` there) where this workspace runs it in
   * WebAssembly: the bit patterns of f32(ref + U V) where finite, else ref's own; null in JS (the
   * caller's loop then).
   */
  predict32?(refBits: Uint32Array, rows: number, cols: number, rank: number, factors: Float32Array): Uint32Array;
}

interface LowRankWasm {
  readonly memory: WebAssembly.Memory;
  /** The first byte after the module's static data (Math.log2's tables). */
  readonly HEAP: WebAssembly.Global;
  readonly multiplyBlock: (d: number, rows: number, cols: number, v: number, b: number, out: number) => void;
  readonly multiplyTransposedBlock: (d: number, rows: number, cols: number, u: number, b: number, out: number) => void;
  readonly logSum: (d: number, n: number, floor: number) => number;
  readonly residualLogs: (d: number, sample: number, count: number, rows: number, cols: number, us: number, vs: number, b: number, floor: number, out: number) => void;
  readonly orthonormalise: (block: number, b: number, len: number) => void;
  readonly gram: (block: number, b: number, len: number, out: number) => void;
  readonly liveMarks: (d: number, rows: number, cols: number, live: number) => number;
  readonly update32: (t: number, r: number, n: number, noise: number, d: number) => number;
  readonly predict32: (ref: number, rows: number, cols: number, rank: number, factors: number, out: number, row: number) => void;
}

let lowRankWasm: LowRankWasm | null | undefined;

function wasmModule(): LowRankWasm | null {
  if (lowRankWasm !== undefined) return lowRankWasm;
  try {
    const text = atob(LOW_RANK_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    lowRankWasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as LowRankWasm;
  } catch {
    lowRankWasm = null;
  }
  return lowRankWasm;
}

/** Most bytes a WASM workspace takes (a 32-bit memory, with room to spare). */
const WASM_MAX_BYTES = 3 * 2 ** 30;

/** Bytes of workspace `predict32` asks for. */
export function predictBytes(rows: number, cols: number, rank: number): number {
  return 8 * rows * cols + 4 * rank * (rows + cols) + 8 * cols + 64;
}

/**
 * A workspace of at least `bytes` (the sum of what will be asked of it, each array rounded up to 8
 * bytes): in WebAssembly memory where it runs and fits, else in JS. One at a time: a new workspace
 * reuses the module's memory (the arrays of the previous one then change under their holder).
 */
export function workspace(bytes: number, useWasm = true): Workspace {
  const w = useWasm && bytes <= WASM_MAX_BYTES ? wasmModule() : null;
  if (!w) return jsWorkspace();
  try {
    const have = w.memory.buffer.byteLength;
    const need = bytes + w.HEAP.value + 8;
    if (need > have) w.memory.grow(Math.ceil((need - have) / 65536));
  } catch {
    return jsWorkspace(); // the host refused the memory
  }
  const buffer = w.memory.buffer;
  // After the module's own data (never 0, which stands for "no sample" in residualLogs).
  let top = Math.ceil(Math.max(8, w.HEAP.value) / 8) * 8;
  const take = (length: number, width: number): number => {
    const at = top;
    top += Math.ceil((length * width) / 8) * 8;
    if (top > buffer.byteLength) throw new Error(`low-rank workspace: ${top} bytes asked of ${buffer.byteLength} reserved`);
    return at;
  };
  const f64 = (length: number) => new Float64Array(buffer, take(length, 8), length);
  return {
    f64,
    f32: (length) => new Float32Array(buffer, take(length, 4), length),
    i32: (length) => new Int32Array(buffer, take(length, 4), length),
    multiplyBlock: (d, rows, cols, v, b, out) => w.multiplyBlock(d.byteOffset, rows, cols, v.byteOffset, b, out.byteOffset),
    multiplyTransposedBlock: (d, rows, cols, u, b, out) => w.multiplyTransposedBlock(d.byteOffset, rows, cols, u.byteOffset, b, out.byteOffset),
    logSum: (d, floor) => w.logSum(d.byteOffset, d.length, floor),
    orthonormalise: (block, b, len) => w.orthonormalise(block.byteOffset, b, len),
    gram(block, b, len) {
      const out = f64(b * b);
      w.gram(block.byteOffset, b, len, out.byteOffset);
      return Float64Array.from(out);
    },
    liveMarks(d, rows, cols) {
      const live = new Uint8Array(buffer, take(rows + cols, 1), rows + cols);
      return { live, any: w.liveMarks(d.byteOffset, rows, cols, live.byteOffset) !== 0 };
    },
    update32(tBits, rBits, noise) {
      // The matrix first: it is what the fit reads from here on (the inputs after it are dead once used).
      const d = f64(tBits.length);
      const mark = top;
      const t = new Uint32Array(buffer, take(tBits.length, 4), tBits.length);
      const r = new Uint32Array(buffer, take(rBits.length, 4), rBits.length);
      const table = f64(noise.length);
      t.set(tBits);
      r.set(rBits);
      table.set(noise);
      const floorSum = w.update32(t.byteOffset, r.byteOffset, tBits.length, table.byteOffset, d.byteOffset);
      top = mark;
      return { d, floorSum };
    },
    residualLogs(d, sample, rows, cols, us, vs, b, floor) {
      const out = f64(b);
      w.residualLogs(d.byteOffset, sample === null ? 0 : sample.byteOffset, sample === null ? d.length : sample.length, rows, cols, us.byteOffset, vs.byteOffset, b, floor, out.byteOffset);
      return Float64Array.from(out);
    },
    predict32(refBits, rows, cols, rank, factors) {
      const ref = new Uint32Array(buffer, take(refBits.length, 4), refBits.length);
      ref.set(refBits);
      const f = new Float32Array(buffer, take(factors.length, 4), factors.length);
      f.set(factors);
      const out = new Uint32Array(buffer, take(refBits.length, 4), refBits.length);
      const row = f64(cols);
      w.predict32(ref.byteOffset, rows, cols, rank, f.byteOffset, out.byteOffset, row.byteOffset);
      return Uint32Array.from(out);
    },
  };
}

function jsWorkspace(): Workspace {
  return {
    f64: (length) => new Float64Array(length),
    f32: (length) => new Float32Array(length),
    i32: (length) => new Int32Array(length),
    multiplyBlock,
    multiplyTransposedBlock,
    liveMarks,
    orthonormalise,
    gram,
    logSum,
    residualLogs,
  };
}

function multiplyBlock(d: Float64Array, rows: number, cols: number, v: Float64Array, b: number, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const at = i * cols;
    for (let c = 0; c < b; c++) {
      const vc = c * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += d[at + j] * v[vc + j];
      out[c * rows + i] = s;
    }
  }
}

function multiplyTransposedBlock(d: Float64Array, rows: number, cols: number, u: Float64Array, b: number, out: Float64Array): void {
  out.fill(0, 0, b * cols);
  for (let i = 0; i < rows; i++) {
    const at = i * cols;
    for (let c = 0; c < b; c++) {
      const uc = u[c * rows + i];
      if (uc === 0) continue;
      const oc = c * cols;
      for (let j = 0; j < cols; j++) out[oc + j] += d[at + j] * uc;
    }
  }
}

function liveMarks(d: Float64Array, rows: number, cols: number): { live: Uint8Array; any: boolean } {
  const live = new Uint8Array(rows + cols);
  let any = false;
  for (let i = 0; i < rows; i++) {
    const at = i * cols;
    for (let j = 0; j < cols; j++) {
      if (d[at + j] !== 0) {
        live[i] = 1;
        live[rows + j] = 1;
        any = true;
      }
    }
  }
  return { live, any };
}

function orthonormalise(block: Float64Array, b: number, len: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < b; c++) {
      const at = c * len;
      for (let k = 0; k < c; k++) {
        const kt = k * len;
        let dot = 0;
        for (let x = 0; x < len; x++) dot += block[at + x] * block[kt + x];
        for (let x = 0; x < len; x++) block[at + x] -= dot * block[kt + x];
      }
      let norm = 0;
      for (let x = 0; x < len; x++) norm += block[at + x] * block[at + x];
      norm = Math.sqrt(norm);
      const inv = norm > 1e-150 ? 1 / norm : 0;
      for (let x = 0; x < len; x++) block[at + x] *= inv;
    }
  }
}

function gram(block: Float64Array, b: number, len: number): Float64Array {
  const g = new Float64Array(b * b);
  for (let p = 0; p < b; p++) {
    for (let q = p; q < b; q++) {
      let s = 0;
      const pa = p * len;
      const qa = q * len;
      for (let x = 0; x < len; x++) s += block[pa + x] * block[qa + x];
      g[p * b + q] = s;
      g[q * b + p] = s;
    }
  }
  return g;
}

function logSum(d: Float64Array, floor: number): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += Math.log2(d[i] * d[i] + floor);
  return s;
}

function residualLogs(d: Float64Array, sample: Int32Array | null, rows: number, cols: number, us: Float32Array, vs: Float32Array, b: number, floor: number): Float64Array {
  const logs = new Float64Array(b);
  const count = sample === null ? d.length : sample.length;
  for (let k = 0; k < count; k++) {
    const at = sample === null ? k : sample[k];
    const i = (at / cols) | 0;
    const j = at - i * cols;
    let r = d[at];
    for (let c = 0; c < b; c++) {
      r -= us[c * rows + i] * vs[c * cols + j];
      logs[c] += Math.log2(r * r + floor);
    }
  }
  return logs;
}
