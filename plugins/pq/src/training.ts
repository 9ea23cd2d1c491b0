import type { ComputePool } from '@reef/core';
import { kmeans, nearestCentroidsFast } from '@reef/kernels';
import type { AssignFn } from './codebooks.js';
import { trainCodebooksInWorkers } from './parallel-training.js';
import { extractSubspace, type SubspaceLayout } from './subspaces.js';

export interface CodebookTrainingOptions {
  readonly nbits: number;
  readonly niter: number;
  readonly seed: number;
  readonly init: 'random' | 'kmeans++';
  /** Starting centroids (K × dim laid out like ProductCodebooks.centroids), e.g. OPQ's previous round. */
  readonly initialCentroids?: Float32Array;
  readonly onWarning?: (message: string) => void;
  /** Fraction of sub-spaces done, in [0, 1]. */
  readonly onProgress?: (fraction: number) => void;
  /**
   * Threads of `pool` to train sub-spaces on in parallel; 0 means all of the pool's, 1 trains on
   * the calling thread. Ignored when `assign` is given. Results are the same.
   */
  readonly threads?: number;
  /** Where parallel training runs (the host's COMPUTE_POOL service); without one, on this thread. */
  readonly pool?: ComputePool;
  /** Nearest-centroid search used by k-means; defaults to the WASM SIMD one of @reef/kernels. */
  readonly assign?: AssignFn;
}

/**
 * Trains one k-means codebook per sub-space with the shared seeded k-means, every sub-space with
 * the same seed (as FAISS does). Returns the codebooks back to back, as ProductCodebooks stores them.
 */
export async function trainCodebooks(x: Float32Array, n: number, layout: SubspaceLayout, options: CodebookTrainingOptions): Promise<Float32Array> {
  const threads = options.threads ?? 1;
  if (threads !== 1 && layout.m > 1 && !options.assign && options.pool) {
    const parallel = await trainCodebooksInWorkers(options.pool, x, n, layout, options, threads);
    if (parallel) return parallel;
  }
  const k = 2 ** options.nbits;
  const { m, offsets } = layout;
  const centroids = new Float32Array(k * layout.dim);
  const warned = new Set<string>();
  for (let j = 0; j < m; j++) {
    const dj = offsets[j + 1] - offsets[j];
    const sub = extractSubspace(x, n, layout, j);
    const start = k * offsets[j];
    const result = await kmeans(sub, n, dj, k, {
      niter: options.niter,
      seed: options.seed,
      init: options.init,
      // WASM SIMD search unless the caller brings its own (e.g. a multi-threaded one).
      assign: options.assign ?? ((px, pn, pd, c, ck) => nearestCentroidsFast(px, pn, pd, c, ck)),
      initialCentroids: options.initialCentroids?.subarray(start, start + k * dj),
      // The same warning would repeat for every sub-space: report it once.
      onWarning: (msg) => {
        if (!warned.has(msg)) options.onWarning?.(msg);
        warned.add(msg);
      },
    });
    centroids.set(result.centroids, start);
    options.onProgress?.((j + 1) / m);
  }
  return centroids;
}
