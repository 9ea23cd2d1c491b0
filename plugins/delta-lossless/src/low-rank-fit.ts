/**
 * Low-rank fit of an update matrix D (rows × cols, row-major): components u vᵀ one at a time by power
 * iteration and deflation, then the rank whose estimated saving beats its factors' cost by the most.
 * Judged over the ranks, not per component: with several components of similar size none alone
 * brings the residual near the floor, together they do. A LoRA merge (W + B A) is such an update
 * plus the rounding of the target's dtype; an SGD epoch is not (rank 0).
 *
 * Encode-side only: the decoder reads the factors back, so this need not be reproducible.
 */

const ITERATIONS = 12;

export interface LowRankFit {
  readonly rank: number;
  /** U (rows × rank, column c = component c) then V (rank × cols), as stored: f32. */
  readonly factors: Float32Array;
}

/**
 * `d`: the update (overwritten: left as the residual of the fit). `floor`: the energy per element
 * that no fit can remove (the target dtype's rounding, ulp²/12 on average), so that a component is
 * not judged by how well it fits rounding noise. Saving estimated per element as for a Gaussian
 * residual of that size: ½ log2((before² + floor) / (after² + floor)) bits; a component's cost is
 * (rows + cols) f32 factors, counted twice to leave a margin for what the estimate misses.
 */
export function fitLowRank(d: Float64Array, rows: number, cols: number, maxRank: number, floor: number): LowRankFit {
  const us: Float32Array[] = [];
  const vs: Float32Array[] = [];
  if (rows < 2 || cols < 2 || maxRank < 1) return { rank: 0, factors: new Float32Array(0) };
  // Rows and columns that did not change at all (dead units, frozen inputs) stay exact: their factor
  // entries are kept at zero, so the prediction there is the reference itself.
  const liveRow = new Uint8Array(rows);
  const liveCol = new Uint8Array(cols);
  let energy = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = d[i * cols + j];
      if (x !== 0) {
        liveRow[i] = 1;
        liveCol[j] = 1;
        energy += x * x;
      }
    }
  }
  const costBits = 2 * (rows + cols) * 32;
  const u = new Float64Array(rows);
  const v = new Float64Array(cols);
  let seed = 0x9e3779b9;
  // Estimated net saving of each rank so far (index = rank), and where to stop looking: once a
  // component saves under an eighth of its cost, what follows is fitting noise.
  const net = [0];
  let logs = logSum(d, floor);
  const start = logs;
  for (let c = 0; c < maxRank && energy > 0; c++) {
    for (let j = 0; j < cols; j++) {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      v[j] = liveCol[j] ? (seed >>> 0) / 4294967296 - 0.5 : 0;
    }
    for (let it = 0; it < ITERATIONS; it++) {
      multiply(d, rows, cols, v, u);
      multiplyTransposed(d, rows, cols, u, v);
      let norm = 0;
      for (let j = 0; j < cols; j++) norm += v[j] * v[j];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      for (let j = 0; j < cols; j++) v[j] /= norm;
    }
    multiply(d, rows, cols, v, u);
    // What is stored is what the decoder predicts with: round the factors before measuring.
    const uf = Float32Array.from(u, (x, i) => (liveRow[i] ? x : 0));
    const vf = Float32Array.from(v, (x, j) => (liveCol[j] ? x : 0));
    let after = 0;
    let afterLogs = 0;
    for (let i = 0; i < rows; i++) {
      const ui = uf[i];
      for (let j = 0; j < cols; j++) {
        const r = d[i * cols + j] - ui * vf[j];
        after += r * r;
        afterLogs += Math.log2(r * r + floor);
      }
    }
    if (!((logs - afterLogs) / 2 > costBits / 8)) break;
    for (let i = 0; i < rows; i++) {
      const ui = uf[i];
      for (let j = 0; j < cols; j++) d[i * cols + j] -= ui * vf[j];
    }
    energy = after;
    logs = afterLogs;
    us.push(uf);
    vs.push(vf);
    net.push((start - logs) / 2 - us.length * costBits);
  }
  const rank = net.indexOf(Math.max(...net));
  const factors = new Float32Array(rank * (rows + cols));
  for (let c = 0; c < rank; c++) {
    for (let i = 0; i < rows; i++) factors[i * rank + c] = us[c][i];
    factors.set(vs[c], rows * rank + c * cols);
  }
  return { rank, factors };
}

/** Σ log2(x² + floor): n/2 · log2 of a Gaussian's variance, per element, so a few outliers (NaN, a reset weight) weigh as one element each. */
function logSum(d: Float64Array, floor: number): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += Math.log2(d[i] * d[i] + floor);
  return s;
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
export function firstComponentSaving(s: Float64Array, sub: number, cols: number, floor: number): number {
  const before = logSum(s, floor);
  const u = new Float64Array(sub);
  const v = new Float64Array(cols);
  for (let j = 0; j < cols; j++) v[j] = 1 + (j % 7) / 7;
  for (let it = 0; it < 6; it++) {
    multiply(s, sub, cols, v, u);
    multiplyTransposed(s, sub, cols, u, v);
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += v[j] * v[j];
    if (norm === 0) return 0;
    norm = Math.sqrt(norm);
    for (let j = 0; j < cols; j++) v[j] /= norm;
  }
  multiply(s, sub, cols, v, u);
  let after = 0;
  for (let i = 0; i < sub; i++) {
    for (let j = 0; j < cols; j++) {
      const r = s[i * cols + j] - u[i] * v[j];
      after += Math.log2(r * r + floor);
    }
  }
  return (before - after) / 2 / (sub * cols);
}

/**
 * Whether a fit could pay, from the quick look's first component: its saving against 1.5 × a
 * component's cost with margin (3 × (rows + cols) f32 values). A look at few rows flatters noise: on
 * the public series an SGD epoch's look estimates 57-69 kbit for fc1 (512 × 800; the full fit then
 * finds the first component a net loss), the fine-tune's 105 kbit (a loss too), the LoRA merge's
 * 578 kbit (rank 4, 0.19 of the XOR's bytes); the bar is 126 kbit there.
 */
export function worthFitting(savingPerElement: number, rows: number, cols: number): boolean {
  return savingPerElement * rows * cols > 3 * (rows + cols) * 32;
}

function multiply(d: Float64Array, rows: number, cols: number, v: Float64Array, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const at = i * cols;
    for (let j = 0; j < cols; j++) s += d[at + j] * v[j];
    out[i] = s;
  }
}

function multiplyTransposed(d: Float64Array, rows: number, cols: number, u: Float64Array, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < rows; i++) {
    const ui = u[i];
    if (ui === 0) continue;
    const at = i * cols;
    for (let j = 0; j < cols; j++) out[j] += d[at + j] * ui;
  }
}
