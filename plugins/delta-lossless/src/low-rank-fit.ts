import { workspace, type Workspace } from './low-rank-kernels.js';

/**
 * Low-rank fit of an update matrix D (rows × cols, row-major): a block of components at once by
 * subspace iteration (block power iteration with orthonormalisation and a Rayleigh-Ritz step, so
 * components of similar size are separated as well as distinct ones), then the rank whose estimated
 * saving beats its factors' cost by the most. Judged over the ranks, not per component: with several
 * components of similar size none alone brings the residual near the floor, together they do. The
 * block grows (4, 8, ... up to maxRank) only while every component of it saves enough to look on. A LoRA merge (W + B A)
 * is such an update plus the rounding of the target's dtype; an SGD epoch is not (rank 0).
 *
 * Encode-side only: the decoder reads the factors back, so this need not be reproducible.
 */

/** First block size: a rank-≤3 update (most fine-tunes and merges here) is fitted with one block. */
const BLOCK = 4;
/** Subspace iterations at most (each 2 passes over the matrix per block vector) and at least. */
const MAX_ITERATIONS = 8;
const MIN_ITERATIONS = 2;
/**
 * Iteration stops once the Ritz values moved by less than this, all together, relative to their
 * sum: components that carry the update settle in two or three iterations when they stand clear of
 * the rest; those that fit noise never settle, and weigh nothing here.
 */
const TOLERANCE = 1e-6;
/** Elements the saving is estimated on (evenly strided over the matrix): a log2 per element and rank. */
const SAMPLE = 1 << 15;

/** Bytes of workspace `fitLowRank` asks for beyond the matrix (blocks of 4, 8, ... up to maxRank, vectors and factors). */
export function fitBytes(rows: number, cols: number, maxRank: number): number {
  // (What update32 borrows past the matrix while it builds it is counted in too.)
  const blocks = 2 * Math.max(BLOCK, maxRank); // 4 + 8 + ... + maxRank, at most
  return blocks * (rows + cols) * 12 + 16 * blocks + 4 * SAMPLE + 64 * 8 * 6 + (rows + cols) + 8 * (rows * cols + 256);
}

export interface LowRankFit {
  readonly rank: number;
  /** U (rows × rank, column c = component c) then V (rank × cols), as stored: f32. */
  readonly factors: Float32Array;
}

/**
 * `d`: the update (read only). `floor`: the energy per element that no fit can remove (the target
 * dtype's rounding, ulp²/12 on average), so that a component is not judged by how well it fits
 * rounding noise. Saving estimated per element as for a Gaussian residual of that size:
 * ½ log2((before² + floor) / (after² + floor)) bits, summed over an evenly strided sample of
 * elements and scaled to the matrix; a component's cost is (rows + cols) f32 factors, counted twice
 * to leave a margin for what the estimate misses.
 */
export function fitLowRank(d: Float64Array, rows: number, cols: number, maxRank: number, floor: number, ws: Workspace = workspace(0, false)): LowRankFit {
  const none = { rank: 0, factors: new Float32Array(0) };
  if (rows < 2 || cols < 2 || maxRank < 1) return none;
  // Rows and columns that did not change at all (dead units, frozen inputs) stay exact: their factor
  // entries are kept at zero, so the prediction there is the reference itself.
  const { live, any } = ws.liveMarks(d, rows, cols);
  if (!any) return none;
  const costBits = 2 * (rows + cols) * 32;
  const sample = sampleOf(rows * cols, cols, ws);
  const scale = (rows * cols) / (sample?.length ?? rows * cols);
  const start = ws.residualLogs(d, sample, rows, cols, ws.f32(rows).fill(0), ws.f32(cols).fill(0), 1, floor)[0];
  let seed = 0x9e3779b9;
  let v: Float64Array = new Float64Array(0);
  let b = Math.min(BLOCK, maxRank);
  for (;;) {
    // A new block: the previous one's vectors (converged) plus random ones on the live columns.
    const grown = ws.f64(b * cols);
    grown.set(v);
    for (let x = v.length; x < grown.length; x++) {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      grown[x] = live[rows + (x % cols)] ? (seed >>> 0) / 4294967296 - 0.5 : 0;
    }
    v = grown;
    const { us, vs } = subspace(d, rows, cols, b, v, ws);
    // What is stored is what the decoder predicts with: round the factors before measuring.
    const uf = ws.f32(b * rows);
    const vf = ws.f32(b * cols);
    for (let c = 0; c < b; c++) {
      for (let i = 0; i < rows; i++) uf[c * rows + i] = live[i] ? us[c][i] : 0;
      for (let j = 0; j < cols; j++) vf[c * cols + j] = live[rows + j] ? vs[c][j] : 0;
    }
    // Estimated net saving of each rank (index = rank), and where to stop looking: once a component
    // saves under an eighth of its cost, what follows is fitting noise.
    const logs = ws.residualLogs(d, sample, rows, cols, uf, vf, b, floor);
    const net = [0];
    let before = start;
    for (let c = 0; c < b; c++) {
      if (!(((before - logs[c]) / 2) * scale > costBits / 8)) break;
      before = logs[c];
      net.push(((start - logs[c]) / 2) * scale - (c + 1) * costBits);
    }
    // Every component of the block saved enough to look further: a bigger block (whose leading
    // vectors start from these).
    if (net.length > b && b < maxRank) {
      b = Math.min(maxRank, 2 * b);
      v = new Float64Array(vs.length * cols);
      vs.forEach((w, c) => v.set(w, c * cols));
      continue;
    }
    const rank = net.indexOf(Math.max(...net));
    const factors = new Float32Array(rank * (rows + cols));
    for (let c = 0; c < rank; c++) {
      for (let i = 0; i < rows; i++) factors[i * rank + c] = uf[c * rows + i];
      factors.set(vf.subarray(c * cols, (c + 1) * cols), rows * rank + c * cols);
    }
    return { rank, factors };
  }
}

/** At most SAMPLE element indices, evenly strided with a stride prime to `cols` (every column is visited); null: every element. */
function sampleOf(n: number, cols: number, ws: Workspace): Int32Array | null {
  if (n <= SAMPLE) return null;
  let step = Math.floor(n / SAMPLE);
  while (gcd(step, cols) !== 1) step++;
  const sample = ws.i32(Math.floor((n - 1) / step) + 1);
  for (let k = 0; k < sample.length; k++) sample[k] = k * step;
  return sample;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The b leading singular triplets of D, approximately, from the start block `v` (b × cols,
 * overwritten): V ← orth(Dᵀ orth(D V)) until the Ritz values settle, then the SVD of D V within
 * span(V). Returns the components sorted by size: u = σ × left vector, v = right vector (unit).
 */
function subspace(d: Float64Array, rows: number, cols: number, b: number, v: Float64Array, ws: Workspace): { us: Float64Array[]; vs: Float64Array[] } {
  const u = ws.f64(b * rows);
  ws.orthonormalise(v, b, cols);
  let previous: Float64Array | null = null;
  for (let it = 1; ; it++) {
    ws.multiplyBlock(d, rows, cols, v, b, u);
    const { values, vectors } = symmetricEigen(ws.gram(u, b, rows), b);
    const sorted = Float64Array.from(values).sort();
    const settled = previous !== null && settledValues(previous, sorted);
    if (it >= MAX_ITERATIONS || (it >= MIN_ITERATIONS && settled)) {
      // Rayleigh-Ritz: D V W = U' Σ, V W the right vectors; sorted by value, largest first.
      const order = Array.from({ length: b }, (_, c) => c).sort((x, y) => values[y] - values[x]);
      return {
        us: order.map((c) => combine(u, rows, vectors, b, c)),
        vs: order.map((c) => combine(v, cols, vectors, b, c)),
      };
    }
    previous = sorted;
    ws.orthonormalise(u, b, rows);
    ws.multiplyTransposedBlock(d, rows, cols, u, b, v);
    ws.orthonormalise(v, b, cols);
  }
}

/** Whether the Ritz values moved by less than TOLERANCE × their sum. */
function settledValues(previous: Float64Array, values: Float64Array): boolean {
  let moved = 0;
  let sum = 0;
  for (let c = 0; c < values.length; c++) {
    moved += Math.abs(values[c] - previous[c]);
    sum += Math.abs(values[c]);
  }
  return moved <= TOLERANCE * sum;
}

/** Σ_k vectors[k][c] × block row k: a combination of the block's vectors (each `len` long). */
function combine(block: Float64Array, len: number, vectors: Float64Array, b: number, c: number): Float64Array {
  const out = new Float64Array(len);
  for (let k = 0; k < b; k++) {
    const w = vectors[k * b + c];
    if (w === 0) continue;
    const at = k * len;
    for (let x = 0; x < len; x++) out[x] += w * block[at + x];
  }
  return out;
}

/** Eigenvalues and eigenvectors (columns of `vectors`, b × b row-major) of a symmetric matrix: cyclic Jacobi. */
function symmetricEigen(a: Float64Array, b: number): { values: Float64Array; vectors: Float64Array } {
  const w = new Float64Array(b * b);
  for (let k = 0; k < b; k++) w[k * b + k] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < b; p++) {
      diag += a[p * b + p] ** 2;
      for (let q = p + 1; q < b; q++) off += a[p * b + q] ** 2;
    }
    if (!(off > 1e-30 * diag)) break;
    for (let p = 0; p < b; p++) {
      for (let q = p + 1; q < b; q++) {
        const apq = a[p * b + q];
        if (apq === 0) continue;
        const theta = (a[q * b + q] - a[p * b + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < b; k++) {
          const akp = a[k * b + p];
          const akq = a[k * b + q];
          a[k * b + p] = c * akp - s * akq;
          a[k * b + q] = s * akp + c * akq;
        }
        for (let k = 0; k < b; k++) {
          const apk = a[p * b + k];
          const aqk = a[q * b + k];
          a[p * b + k] = c * apk - s * aqk;
          a[q * b + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < b; k++) {
          const wkp = w[k * b + p];
          const wkq = w[k * b + q];
          w[k * b + p] = c * wkp - s * wkq;
          w[k * b + q] = s * wkp + c * wkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: b }, (_, k) => a[k * b + k]), vectors: w };
}

/** At most this many evenly strided rows make the quick look before a fit. */
export const LOOK_ROWS = 64;

/** The row indices of the quick look: at most LOOK_ROWS, evenly strided. */
export function lookRows(rows: number): number[] {
  const step = Math.max(1, Math.floor(rows / LOOK_ROWS));
  return Array.from({ length: Math.floor((rows - 1) / step) + 1 }, (_, k) => k * step);
}

/**
 * Bits per element the first component of `s` (some rows of the update, `sub` × `cols`) would save,
 * by a few power iterations: the quick look before a full fit. An SGD update is noise to a low-rank model and saves almost nothing here;
 * a LoRA merge saves several bits.
 */
export function firstComponentSaving(s: Float64Array, sub: number, cols: number, floor: number, ws: Workspace = workspace(0, false)): number {
  const before = ws.logSum(s, floor);
  const u = ws.f64(sub);
  const v = ws.f64(cols);
  for (let j = 0; j < cols; j++) v[j] = 1 + (j % 7) / 7;
  for (let it = 0; it < 6; it++) {
    ws.multiplyBlock(s, sub, cols, v, 1, u);
    ws.multiplyTransposedBlock(s, sub, cols, u, 1, v);
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += v[j] * v[j];
    if (norm === 0) return 0;
    norm = Math.sqrt(norm);
    for (let j = 0; j < cols; j++) v[j] /= norm;
  }
  ws.multiplyBlock(s, sub, cols, v, 1, u);
  const uf = ws.f32(sub);
  const vf = ws.f32(cols);
  uf.set(u);
  vf.set(v);
  const after = ws.residualLogs(s, null, sub, cols, uf, vf, 1, floor)[0];
  return (before - after) / 2 / (sub * cols);
}

/** Components the quick look's second try fits together (at most). */
export const LOOK_BLOCK = 8;

/**
 * Bits per element the leading 1, 2, ... components of `s` save together (index r − 1: r
 * components), fitted as one block of at most LOOK_BLOCK: the quick look's second try, for updates
 * whose components are of similar size. The first of a rank-4 merge of equal parts saves only
 * ½ log2(4/3) ≈ 0.2 bits per element, far below its cost; the four together bring the residual
 * down to the floor.
 */
export function blockSavings(s: Float64Array, sub: number, cols: number, floor: number, ws: Workspace = workspace(0, false)): number[] {
  const b = Math.min(LOOK_BLOCK, sub, cols);
  const before = ws.logSum(s, floor);
  const v = ws.f64(b * cols);
  let seed = 0x2545f491;
  for (let x = 0; x < v.length; x++) {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    v[x] = (seed >>> 0) / 4294967296 - 0.5;
  }
  const { us, vs } = subspace(s, sub, cols, b, v, ws);
  const uf = ws.f32(b * sub);
  const vf = ws.f32(b * cols);
  for (let c = 0; c < b; c++) {
    uf.set(us[c], c * sub);
    vf.set(vs[c], c * cols);
  }
  const logs = ws.residualLogs(s, null, sub, cols, uf, vf, b, floor);
  return Array.from(logs, (after) => (before - after) / 2 / (sub * cols));
}

/** Bytes of workspace the quick look (`firstComponentSaving`, then `blockSavings`) asks for beyond the rows it looks at. */
export function lookBytes(sub: number, cols: number): number {
  // (With what update32 borrows past the rows while it builds them.)
  const first = (sub + cols) * 12 + 64;
  const block = LOOK_BLOCK * (sub + cols) * 20 + 16 * LOOK_BLOCK * LOOK_BLOCK + 64;
  return first + block + 8 * (sub * cols + 256);
}

/**
 * Whether a fit could pay, from the quick look: the saving of r components (bits per element,
 * index r − 1) against 1.5 × their cost with margin (3 × r × (rows + cols) f32 values), for any r.
 * A look at few rows flatters noise: on the public series an SGD epoch's look estimates 57-69 kbit
 * for fc1's first component (512 × 800; the full fit then finds it a net loss), the fine-tune's
 * 105 kbit (a loss too), the LoRA merge's 578 kbit (rank 4, 0.19 of the XOR's bytes); the bar is
 * 126 kbit per component there. Noise saves less with each further component, so r > 1 passes
 * no update that r = 1 fails unless its components are of similar size.
 */
export function worthFitting(savingsPerElement: readonly number[], rows: number, cols: number): boolean {
  return savingsPerElement.some((saving, r) => saving * rows * cols > 3 * (r + 1) * (rows + cols) * 32);
}
