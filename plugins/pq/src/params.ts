import type { ParamGrid, ParamSpec, Params } from '@reef/core';

/** Largest bits per sub-code: K = 2^16 centroids already needs 2.5M training points at FAISS's 39 per centroid. */
export const MAX_NBITS = 16;

export const PQ_PARAMS: readonly ParamSpec[] = [
  { name: 'm', type: 'int', default: 8, min: 1, description: 'number of sub-quantizers (sub-spaces); any value up to the dimension' },
  { name: 'nbits', type: 'int', default: 8, min: 1, max: MAX_NBITS, description: 'bits per sub-code: each sub-quantizer has 2^nbits centroids' },
  { name: 'niter', type: 'int', default: 25, min: 1, description: 'k-means iterations per sub-quantizer (FAISS default 25)' },
  {
    name: 'init',
    type: 'enum',
    default: 'random',
    values: ['random', 'kmeans++'],
    description: "k-means initialisation: 'random' training points (FAISS) or 'kmeans++'",
  },
  {
    name: 'threads',
    type: 'int',
    default: 0,
    min: 0,
    description: "threads of the host's compute pool (worker threads in the CLI and sweep) for training, encodeAsync and searchBatch: 0 = all, 1 = none; results do not depend on it",
  },
];

export const PQ_DEFAULT_GRID: ParamGrid = { m: [4, 8, 16], nbits: [4, 8] };

/** The typed view of resolved PQ parameters. */
export interface PqConfig {
  readonly m: number;
  readonly nbits: number;
  readonly niter: number;
  readonly init: 'random' | 'kmeans++';
  readonly threads: number;
}

export function pqConfig(params: Params): PqConfig {
  return {
    m: params.m as number,
    nbits: params.nbits as number,
    niter: params.niter as number,
    init: params.init as PqConfig['init'],
    threads: params.threads as number,
  };
}

/** The check the per-parameter ranges cannot make: every sub-space needs at least one component. */
export function validatePq(params: Params, dim: number): string | undefined {
  const m = params.m as number;
  if (m > dim) return `m=${m} sub-quantizers is more than the dimension ${dim}; each sub-space needs at least one component`;
  return undefined;
}
