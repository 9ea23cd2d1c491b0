import type { Vectors } from '@reef/core';

/** Exact nearest neighbours of each query in the base set: `count × k` ids, best first. */
export interface GroundTruth {
  readonly ids: Int32Array;
  readonly k: number;
  /** Where it came from: the dataset file, a cache file, or computed now. */
  readonly origin: 'file' | 'cache' | 'computed';
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
}
