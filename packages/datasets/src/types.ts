import type { Vectors } from '@reef/core';

/** Exact nearest neighbours of each query in the base set: `count × k` ids, best first. */
export interface GroundTruth {
  readonly ids: Int32Array;
  readonly k: number;
  /** Where it came from: the dataset file, a cache file, or computed now. */
  readonly origin: 'file' | 'cache' | 'computed';
  /**
   * The file's true distances to those neighbours (`count × k`, ann-benchmarks `distances`: L2,
   * not squared, for euclidean files), when the file has them; kept so users can check ties.
   */
  readonly distances?: Float32Array;
}

/** A benchmark dataset: vectors to quantize (base), held-out queries and their true neighbours. */
export interface Dataset {
  /** Short name used in tables and the results database, e.g. `fmnist-2k`. */
  readonly name: string;
  /** The file or synthetic spec it was loaded from. */
  readonly source: string;
  readonly base: Vectors;
  readonly queries: Vectors;
  readonly groundTruth: GroundTruth;
  /** Root attributes of an ann-benchmarks file (e.g. `distance`, `point_type`); empty otherwise. */
  readonly attributes: Readonly<Record<string, string | number>>;
}
