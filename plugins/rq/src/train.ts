import { kmeans, nearestCentroids, Rng, type NearestResult } from '@reef/kernels';
import { beamResiduals, beamSearchEncode, type Encoding } from './beam-search.js';
import { Codebooks } from './codebooks.js';
import type { RqConfig } from './params.js';
import { refitCodebooks } from './refine.js';

export interface TrainResult {
  readonly books: Codebooks;
  /** Mean squared training error after the stage-by-stage phase and after each accepted refinement. */
  readonly history: number[];
}

/**
 * Trains the codebooks in two phases.
 *
 * 1. Stage by stage (as FAISS's ResidualQuantizer): stage m is k-means on the residuals the first
 *    m stages leave, where those residuals are those of every code in the final beam of the
 *    beam-search encoder with the stages so far (up to `beam` per vector). Each codebook is so
 *    fitted to the candidates the encoder will weigh, not only to the current winners; on
 *    fmnist-2k (4 × 6 bits) this lowered the MSE by 7% and raised recall@10 from 0.53 to 0.59
 *    compared with training on the best residual alone (see the README).
 * 2. Refinement rounds: re-fit all codebooks jointly to the current codes (least squares by block
 *    coordinate descent, see refine.ts), then re-encode with beam search. A round is kept only if
 *    it lowers the training error; the first round that does not ends the refinement.
 */
export async function trainCodebooks(
  x: Float32Array,
  n: number,
  dim: number,
  config: RqConfig,
  seed: number,
  onProgress?: (fraction: number) => void,
): Promise<TrainResult> {
  const { stages, nbits, beam, refine, niter } = config;
  const k = 2 ** nbits;
  const steps = stages + refine;
  const data = new Float32Array(stages * k * dim);
  let residuals = { data: x, count: n };
  // k-means keeps at most K × 256 points (FAISS's cap), so only that many residuals are formed.
  const sample = subsample(x, n, dim, Math.ceil((k * MAX_POINTS_PER_CENTROID) / beam), seed);
  let encoding: Encoding | undefined;

  for (let m = 0; m < stages; m++) {
    const { centroids } = await kmeans(residuals.data, residuals.count, dim, k, { niter, seed: seed + m, assign: assignYielding });
    data.set(centroids, m * k * dim);
    const books = new Codebooks(data.subarray(0, (m + 1) * k * dim), m + 1, k, dim);
    await yieldToEventLoop();
    if (m + 1 < stages) residuals = beamResiduals(books, sample.data, sample.count, beam);
    else encoding = beamSearchEncode(books, x, n, beam);
    onProgress?.((m + 1) / steps);
  }

  let books = new Codebooks(data, stages, k, dim);
  let current = encoding as Encoding;
  const history = [mean(current.errors)];
  for (let r = 0; r < refine; r++) {
    await yieldToEventLoop();
    const candidate = refitCodebooks(books, x, n, current.indices);
    const reencoded = beamSearchEncode(candidate, x, n, beam);
    const mse = mean(reencoded.errors);
    onProgress?.((stages + r + 1) / steps);
    if (!(mse < history[history.length - 1])) break;
    books = candidate;
    current = reencoded;
    history.push(mse);
  }
  onProgress?.(1);
  return { books, history };
}

/**
 * Training runs for seconds to minutes; a macrotask break per k-means iteration and per stage lets
 * timers, progress bars and test runners' heartbeats through.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function assignYielding(x: Float32Array, n: number, d: number, centroids: Float32Array, k: number): Promise<NearestResult> {
  await yieldToEventLoop();
  return nearestCentroids(x, n, d, centroids, k);
}

/** FAISS's k-means cap on training points per centroid (the kernels' k-means default too). */
const MAX_POINTS_PER_CENTROID = 256;

/** At most `max` of the n vectors, chosen at random (all of them, uncopied, when n ≤ max). */
function subsample(x: Float32Array, n: number, dim: number, max: number, seed: number): { data: Float32Array; count: number } {
  if (n <= max) return { data: x, count: n };
  const pick = new Rng(seed).sample(n, max);
  const data = new Float32Array(max * dim);
  for (let i = 0; i < max; i++) data.set(x.subarray(pick[i] * dim, (pick[i] + 1) * dim), i * dim);
  return { data, count: max };
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
