import type { ParamGrid, ParamSpec, Params } from '@reef/core';
import { MAX_NBITS } from '@reef/quantizer-pq';

export const OPQ_PARAMS: readonly ParamSpec[] = [
  { name: 'm', type: 'int', default: 8, min: 1, description: 'number of sub-quantizers of the PQ after the rotation' },
  { name: 'nbits', type: 'int', default: 8, min: 1, max: MAX_NBITS, description: 'bits per sub-code: 2^nbits centroids per sub-quantizer' },
  {
    name: 'outDim',
    type: 'int',
    default: 0,
    min: 0,
    description: 'dimension after the rotation (≤ input dimension); 0 keeps the input dimension',
  },
  { name: 'niter', type: 'int', default: 50, min: 1, description: 'alternations of PQ training and rotation update (as FAISS)' },
  { name: 'niterPq', type: 'int', default: 4, min: 1, description: 'k-means iterations per alternation, warm-started from the previous one (FAISS 4)' },
  { name: 'niterPqFirst', type: 'int', default: 20, min: 1, description: 'k-means iterations in the first alternation (FAISS 40)' },
  { name: 'niterFinal', type: 'int', default: 25, min: 1, description: 'k-means iterations of the final PQ on rotated data (FAISS 25)' },
  {
    name: 'maxTrainPoints',
    type: 'int',
    default: 65536,
    min: 1,
    description: 'training vectors used to learn the rotation, a seeded random subset beyond this (FAISS 65536)',
  },
  {
    name: 'rotationInit',
    type: 'enum',
    default: 'auto',
    values: ['auto', 'pca', 'identity', 'random'],
    description:
      "starting rotation: 'pca' = principal axes balanced over the sub-spaces by eigenvalue allocation (Ge et al.); 'identity' starts from plain PQ (lowest MSE, lower recall on images); 'random' as FAISS; 'auto' = pca",
  },
  {
    name: 'threads',
    type: 'int',
    default: 0,
    min: 0,
    description: 'worker threads for PQ training (Node): 0 = one per core, 1 = none; results do not depend on it',
  },
];

export const OPQ_DEFAULT_GRID: ParamGrid = { m: [8, 16], nbits: [8] };

export interface OpqConfig {
  readonly m: number;
  readonly nbits: number;
  readonly outDim: number;
  readonly niter: number;
  readonly niterPq: number;
  readonly niterPqFirst: number;
  readonly niterFinal: number;
  readonly maxTrainPoints: number;
  readonly rotationInit: 'auto' | 'pca' | 'identity' | 'random';
  readonly threads: number;
}

export function opqConfig(params: Params): OpqConfig {
  const n = (name: string): number => params[name] as number;
  return {
    m: n('m'),
    nbits: n('nbits'),
    outDim: n('outDim'),
    niter: n('niter'),
    niterPq: n('niterPq'),
    niterPqFirst: n('niterPqFirst'),
    niterFinal: n('niterFinal'),
    maxTrainPoints: n('maxTrainPoints'),
    rotationInit: params.rotationInit as OpqConfig['rotationInit'],
    threads: n('threads'),
  };
}

/** Output dimension for input dimension `dim` (0 means keep it). */
export function outputDim(params: Params, dim: number): number {
  const outDim = params.outDim as number;
  return outDim === 0 ? dim : outDim;
}

export function validateOpq(params: Params, dim: number): string | undefined {
  const outDim = params.outDim as number;
  if (outDim > dim) return `outDim=${outDim} is larger than the input dimension ${dim}; a rotation can only keep or reduce it`;
  const m = params.m as number;
  const d = outputDim(params, dim);
  if (m > d) return `m=${m} sub-quantizers is more than the rotated dimension ${d}; each sub-space needs at least one component`;
  return undefined;
}
