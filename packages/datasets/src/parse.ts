/**
 * `@reef/datasets/parse`: the dataset readers that work on bytes, without Node APIs (browsers,
 * workers): .npy and TEXMEX parsing, hold-out of queries, the finiteness check. The main entry
 * adds the readers of paths, ground-truth caching and `loadDataset`.
 */
export { parseNpy } from './npy.js';
export { parseVecs, vecsKindOf, encodeVecs, type VecsKind } from './vecs.js';
export { holdOutQueries } from './holdout.js';
export { assertFiniteVectors } from './bounds.js';
export type { Dataset, GroundTruth } from './types.js';
