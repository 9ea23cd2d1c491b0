import type { ParamGrid, ParamSpec, Params } from '@reef/core';

/**
 * nbits stops at 8 (256 codewords per stage) because the codebook inner-product tables that give
 * exact norms grow as stages² × K²; stages stops at 16 for the same reason (120 tables of 256²).
 */
export const RQ_PARAMS: readonly ParamSpec[] = [
  { name: 'stages', type: 'int', default: 8, min: 1, max: 16, description: 'Number of residual stages L (one codebook each)' },
  { name: 'nbits', type: 'int', default: 8, min: 1, max: 8, description: 'Bits per stage code; each codebook has 2^nbits codewords' },
  {
    name: 'beam',
    type: 'int',
    default: 5,
    min: 1,
    max: 64,
    description: 'Beam size of the encoder (1 = greedy stage-by-stage choice; FAISS default 5)',
  },
  {
    name: 'refine',
    type: 'int',
    default: 2,
    min: 0,
    max: 20,
    description: 'Codebook refinement rounds after training (each: re-fit every codebook, then re-encode)',
  },
  { name: 'niter', type: 'int', default: 10, min: 1, max: 1000, description: "k-means iterations per stage (FAISS's ResidualQuantizer default 10)" },
  {
    name: 'refineCheck',
    type: 'enum',
    default: 'holdout',
    values: ['holdout', 'train'],
    description: 'A refinement round is kept if it lowers the error of held-out training vectors, or of the training set (when it is the set to encode)',
  },
  {
    name: 'kmeans',
    type: 'enum',
    default: 'progressive',
    values: ['progressive', 'plain'],
    description: "Stage k-means: in growing numbers of principal components (FAISS's default) or plain in all dimensions",
  },
];

export const RQ_DEFAULT_GRID: ParamGrid = { stages: [2, 4, 8], nbits: [4, 8] };

/** The resolved parameters as numbers, read once so the rest of the code is typed. */
export interface RqConfig {
  readonly stages: number;
  readonly nbits: number;
  readonly beam: number;
  readonly refine: number;
  readonly niter: number;
  readonly kmeans: 'progressive' | 'plain';
  readonly refineCheck: 'holdout' | 'train';
}

export function rqConfig(params: Params): RqConfig {
  return {
    stages: params.stages as number,
    nbits: params.nbits as number,
    beam: params.beam as number,
    refine: params.refine as number,
    niter: params.niter as number,
    kmeans: params.kmeans as RqConfig['kmeans'],
    refineCheck: params.refineCheck as RqConfig['refineCheck'],
  };
}

/** Bytes per code: the stage indices packed back to back, nothing else (norms are recomputed). */
export function rqCodeSize(config: RqConfig): number {
  return Math.ceil((config.stages * config.nbits) / 8);
}
