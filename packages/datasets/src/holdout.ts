import { ReefError, type Vectors } from '@reef/core';
import { Rng } from '@reef/kernels';

function subset(v: Vectors, indices: ArrayLike<number>): Vectors {
  const out = new Float32Array(indices.length * v.dim);
  for (let i = 0; i < indices.length; i++) out.set(v.data.subarray(indices[i] * v.dim, (indices[i] + 1) * v.dim), i * v.dim);
  return { data: out, count: indices.length, dim: v.dim };
}

/** Splits one matrix into base and queries: a seeded sample of queries, removed from the base unless asked. */
export function holdOutQueries(all: Vectors, queryCount: number, seed: number, queriesInBase = false): { base: Vectors; queries: Vectors } {
  if (!Number.isInteger(queryCount) || queryCount <= 0 || queryCount >= all.count) {
    throw new ReefError('INVALID_PARAM', `cannot hold out ${queryCount} queries from ${all.count} vectors`);
  }
  const perm = new Rng(seed).permutation(all.count);
  const queryIdx = perm.subarray(0, queryCount);
  const baseIdx = queriesInBase ? Uint32Array.from({ length: all.count }, (_, i) => i) : Uint32Array.from(perm.subarray(queryCount)).sort();
  return { base: subset(all, baseIdx), queries: subset(all, queryIdx) };
}

