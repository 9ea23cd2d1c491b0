/**
 * Greedy low-rank fit of an update matrix D (rows × cols, row-major): one component u vᵀ at a time by
 * power iteration, kept while the bits it should save exceed what its factors cost. A LoRA merge
 * (W + B A) is exactly such an update, plus the rounding of the target's dtype; an SGD epoch is not
 * (its first component saves less than it costs, so the fit stops at rank 0).
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
 * not judged by how well it fits rounding noise. Saving estimated as for Gaussian residuals: n/2 ·
 * log2(energy before / after) bits; a component's cost is (rows + cols) f32 factors, counted twice
 * to leave a margin for what the estimate misses.
 */
export function fitLowRank(d: Float64Array, rows: number, cols: number, maxRank: number, floor: number): LowRankFit {
  const n = rows * cols;
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
    for (let i = 0; i < rows; i++) {
      const ui = uf[i];
      for (let j = 0; j < cols; j++) {
        const r = d[i * cols + j] - ui * vf[j];
        after += r * r;
      }
    }
    const saving = (n / 2) * Math.log2((energy + n * floor) / (after + n * floor));
    if (!(saving > costBits)) break;
    for (let i = 0; i < rows; i++) {
      const ui = uf[i];
      for (let j = 0; j < cols; j++) d[i * cols + j] -= ui * vf[j];
    }
    energy = after;
    us.push(uf);
    vs.push(vf);
  }
  const rank = us.length;
  const factors = new Float32Array(rank * (rows + cols));
  for (let c = 0; c < rank; c++) {
    for (let i = 0; i < rows; i++) factors[i * rank + c] = us[c][i];
    factors.set(vs[c], rows * rank + c * cols);
  }
  return { rank, factors };
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
