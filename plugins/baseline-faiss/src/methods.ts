import type { ParamGrid, ParamSpec, Params } from '@reef/core';

/**
 * The FAISS methods this plugin offers, each an index-factory string built from its parameters,
 * with the Reef method it is a baseline for. Parameter names and values follow the Reef method's,
 * so the sweep can pair a baseline row with the Reef row of the same configuration.
 */
export interface FaissMethod {
  readonly id: string;
  readonly label: string;
  readonly summary: string;
  /** The Reef method it matches (QuantizerPlugin.baselineOf). */
  readonly baselineOf: string;
  readonly params: readonly ParamSpec[];
  readonly defaultGrid: ParamGrid;
  readonly quickGrid: ParamGrid;
  /** FAISS index-factory string for these parameters. */
  factory(params: Params): string;
  validate?(params: Params, dim: number): string | undefined;
  /** Whether its search ranks by exact distances to the decoded vectors (fast-scan quantises its tables). */
  readonly exactOnDecoded: boolean;
}

const THREADS: ParamSpec = { name: 'threads', type: 'int', default: 1, min: 1, description: 'OpenMP threads FAISS may use (omp_set_num_threads); 1 compares with single-threaded Reef runs' };

const subspaces = (params: Params, dim: number): string | undefined =>
  dim % (params.m as number) === 0 ? undefined : `FAISS PQ needs m to divide the dimension: m=${params.m} does not divide ${dim}`;

export const FAISS_METHODS: readonly FaissMethod[] = [
  {
    id: 'faiss-pq',
    label: 'FAISS PQ',
    summary: 'Baseline: FAISS product quantization (index factory PQ<m>x<nbits>np, IndexPQ, ADC search), run by Python',
    baselineOf: 'pq',
    params: [
      { name: 'm', type: 'int', default: 8, min: 1, description: 'sub-quantizers; must divide the dimension' },
      { name: 'nbits', type: 'int', default: 8, min: 1, max: 16, description: 'bits per sub-code' },
      THREADS,
    ],
    defaultGrid: { m: [8, 16, 32], nbits: [8] },
    quickGrid: { m: [8, 16], nbits: [8] },
    // `np`: no polysemous training (a code reordering for Hamming pre-filtering this search never
    // uses), which the plain `PQ…` string adds and which takes minutes on a few thousand vectors.
    factory: (p) => `PQ${p.m}x${p.nbits}np`,
    validate: subspaces,
    exactOnDecoded: true,
  },
  {
    id: 'faiss-pq-fs',
    label: 'FAISS PQ fast-scan',
    summary: 'Baseline: FAISS PQ fast-scan (index factory PQ<m>x4fs, IndexPQFastScan: 4-bit codes, SIMD scan of 8-bit tables), run by Python',
    baselineOf: 'pq',
    params: [
      { name: 'm', type: 'int', default: 16, min: 1, description: 'sub-quantizers; must divide the dimension' },
      { name: 'nbits', type: 'int', default: 4, min: 4, max: 4, description: 'bits per sub-code: fast-scan takes 4 only' },
      THREADS,
    ],
    defaultGrid: { m: [16, 32], nbits: [4] },
    quickGrid: { m: [16], nbits: [4] },
    factory: (p) => `PQ${p.m}x4fs`,
    validate: subspaces,
    exactOnDecoded: false,
  },
  {
    id: 'faiss-opq',
    label: 'FAISS OPQ',
    summary: 'Baseline: FAISS optimized product quantization (index factory OPQ<m>[_<outDim>],PQ<m>x<nbits>np), run by Python',
    baselineOf: 'opq',
    params: [
      { name: 'm', type: 'int', default: 8, min: 1, description: 'sub-quantizers of the PQ after the rotation; must divide outDim' },
      { name: 'nbits', type: 'int', default: 8, min: 1, max: 16, description: 'bits per sub-code' },
      { name: 'outDim', type: 'int', default: 0, min: 0, description: 'dimension after the learned rotation; 0 keeps the input dimension' },
      THREADS,
    ],
    defaultGrid: { m: [8, 16], nbits: [8], outDim: [0] },
    quickGrid: { m: [8], nbits: [8], outDim: [64] },
    factory: (p) => `OPQ${p.m}${(p.outDim as number) > 0 ? `_${p.outDim}` : ''},PQ${p.m}x${p.nbits}np`,
    validate(p, dim) {
      const out = (p.outDim as number) > 0 ? (p.outDim as number) : dim;
      if (out > dim) return `outDim=${out} exceeds the dimension ${dim}`;
      return out % (p.m as number) === 0 ? undefined : `FAISS OPQ needs m to divide the rotated dimension: m=${p.m} does not divide ${out}`;
    },
    exactOnDecoded: true,
  },
  {
    id: 'faiss-sq',
    label: 'FAISS SQ',
    summary: 'Baseline: FAISS scalar quantization (index factory SQ8, SQ6, SQ4 or SQfp16: per-dimension min-max ranges), run by Python',
    baselineOf: 'sq',
    params: [
      { name: 'format', type: 'enum', values: ['8bit', '6bit', '4bit', 'fp16'], default: '8bit', description: 'code per dimension (the names of Reef sq formats)' },
      THREADS,
    ],
    defaultGrid: { format: ['8bit', '6bit', '4bit', 'fp16'] },
    quickGrid: { format: ['8bit', '4bit'] },
    factory: (p) => (p.format === 'fp16' ? 'SQfp16' : `SQ${String(p.format).replace('bit', '')}`),
    exactOnDecoded: true,
  },
  {
    id: 'faiss-rq',
    label: 'FAISS RQ',
    summary: 'Baseline: FAISS residual quantization (index factory RQ<stages>x<nbits>, beam search), run by Python',
    baselineOf: 'rq',
    params: [
      { name: 'stages', type: 'int', default: 8, min: 1, max: 16, description: 'residual stages (codebooks)' },
      { name: 'nbits', type: 'int', default: 8, min: 1, max: 8, description: 'bits per stage code' },
      THREADS,
    ],
    defaultGrid: { stages: [4, 8], nbits: [8] },
    quickGrid: { stages: [4], nbits: [4] },
    factory: (p) => `RQ${p.stages}x${p.nbits}`,
    exactOnDecoded: true,
  },
];
