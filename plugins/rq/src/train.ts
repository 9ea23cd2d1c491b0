import { kmeans } from '@reef/kernels';
import { beamSearchEncode, type Encoding } from './beam-search.js';
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
 *    m stages leave, where those residuals come from beam-search encoding with the stages so far,
 *    so each codebook is fitted to what the encoder will actually hand it.
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
  const residual = x.slice();
  let encoding: Encoding | undefined;

  for (let m = 0; m < stages; m++) {
    const { centroids } = await kmeans(residual, n, dim, k, { niter, seed: seed + m });
    data.set(centroids, m * k * dim);
    const books = new Codebooks(data.subarray(0, (m + 1) * k * dim), m + 1, k, dim);
    encoding = beamSearchEncode(books, x, n, beam);
    if (m + 1 < stages) residualsOf(books, x, n, encoding.indices, residual);
    onProgress?.((m + 1) / steps);
  }

  let books = new Codebooks(data, stages, k, dim);
  let current = encoding as Encoding;
  const history = [mean(current.errors)];
  for (let r = 0; r < refine; r++) {
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

/** out = x − decode(indices), row by row. */
function residualsOf(books: Codebooks, x: Float32Array, n: number, indices: Int32Array, out: Float32Array): void {
  const { stages, dim } = books;
  for (let i = 0; i < n; i++) {
    books.decodeInto(indices, i * stages, out, i * dim);
    for (let t = 0; t < dim; t++) out[i * dim + t] = x[i * dim + t] - out[i * dim + t];
  }
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
