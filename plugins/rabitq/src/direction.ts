import { goldenSectionMinimum } from '@reef/kernels';

/**
 * Quantizing a unit vector (already rotated) to the RaBitQ codebook. With B bits per dimension a
 * code value u ∈ {0 … 2^B − 1} stands for the grid coordinate x = u − (2^B − 1)/2, a half-integer,
 * and the codeword is the direction x/‖x‖. RaBitQ (1 bit) keeps the sign of each coordinate;
 * extended RaBitQ picks the grid vector with the largest cosine to the input (Gao et al., SIGMOD
 * 2025): by symmetry x_i = sign(o_i)·(k_i + ½), k_i = min(⌊t·|o_i|⌋, 2^{B−1} − 1) for a rescaling
 * factor t, and t is searched for the best cosine.
 */

/** Log-spaced rescaling factors tried, relative to 2^{B−1}/max|o_i|, before a golden-section refinement. */
const T_GRID = 32;
const T_LOW = 0.2;
const T_HIGH = 4;
const GOLDEN_STEPS = 10;

export interface QuantizedDirection {
  /** ⟨x/‖x‖, o⟩: cosine between the codeword and the input, the estimator's correction factor. */
  readonly ip: number;
  /** ‖x‖ of the grid vector. */
  readonly norm: number;
}

/** Writes the code values of unit vector `o` into `out` and returns the correction factors. */
export function quantizeDirection(o: Float64Array, bits: number, out: Uint32Array): QuantizedDirection {
  const dim = o.length;
  const half = 2 ** (bits - 1); // k ranges over 0 … half − 1
  let maxAbs = 0;
  for (let i = 0; i < dim; i++) maxAbs = Math.max(maxAbs, Math.abs(o[i]));
  const t = bits === 1 || maxAbs === 0 ? 0 : bestRescaling(o, half, maxAbs);
  let dotXo = 0;
  let normSq = 0;
  for (let i = 0; i < dim; i++) {
    const k = Math.min(Math.floor(t * Math.abs(o[i])), half - 1);
    out[i] = o[i] >= 0 ? half + k : half - 1 - k;
    const x = out[i] - (2 * half - 1) / 2;
    dotXo += x * o[i];
    normSq += x * x;
  }
  const norm = Math.sqrt(normSq);
  return { ip: dotXo / norm, norm };
}

/** Cosine between |o| and the grid vector (k + ½) chosen by rescaling factor t. */
function cosineAt(o: Float64Array, half: number, t: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < o.length; i++) {
    const a = Math.abs(o[i]);
    const x = Math.min(Math.floor(t * a), half - 1) + 0.5;
    s += x * a;
    n += x * x;
  }
  return s / Math.sqrt(n);
}

function bestRescaling(o: Float64Array, half: number, maxAbs: number): number {
  const base = half / maxAbs;
  const ratio = (T_HIGH / T_LOW) ** (1 / (T_GRID - 1));
  let best = 0;
  let bestCos = -Infinity;
  for (let i = 0; i < T_GRID; i++) {
    const c = cosineAt(o, half, base * T_LOW * ratio ** i);
    if (c > bestCos) {
      bestCos = c;
      best = i;
    }
  }
  const a = Math.log(base * T_LOW * ratio ** Math.max(0, best - 1));
  const b = Math.log(base * T_LOW * ratio ** Math.min(T_GRID - 1, best + 1));
  // The largest cosine is the smallest negated cosine.
  const refined = goldenSectionMinimum((x) => -cosineAt(o, half, Math.exp(x)), a, b, GOLDEN_STEPS);
  return -refined.value > bestCos ? Math.exp(refined.x) : base * T_LOW * ratio ** best;
}
