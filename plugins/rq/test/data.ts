import type { Vectors } from '@reef/core';
import { seededVectors } from '@reef/testkit';

/** Seeded clustered data: a few Gaussian blobs with uneven per-dimension scales (testkit's generator). */
export const blobs = (count: number, dim: number, seed = 11, clusters = 6): Vectors =>
  seededVectors(count, dim, { seed, clusters: { count: clusters, spread: 3, scaleMin: 0.3, scaleSpread: 2 } });
