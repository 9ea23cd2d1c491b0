import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ReefError, type Vectors } from '@reef/core';
import { exactKnn } from '@reef/kernels';
import type { GroundTruth } from './types.js';
import { encodeVecs, readVecs } from './vecs.js';

/** Checks that ground truth has one row per query and at least one neighbour each. */
export function assertGroundTruthShape(ids: Int32Array, k: number, queries: Vectors, what: string): void {
  if (!Number.isInteger(k) || k <= 0 || ids.length !== queries.count * k) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `${what} has ${k > 0 ? ids.length / k : ids.length} rows of ${k} neighbours but there are ${queries.count} queries`,
    );
  }
}

/** A content hash of base, queries and k: the cache key, so changed data never reuses stale truth. */
export function groundTruthKey(base: Vectors, queries: Vectors, k: number): string {
  const h = createHash('sha256');
  h.update(`${base.count}x${base.dim};${queries.count};k=${k};l2;`);
  h.update(new Uint8Array(base.data.buffer, base.data.byteOffset, base.data.byteLength));
  h.update(new Uint8Array(queries.data.buffer, queries.data.byteOffset, queries.data.byteLength));
  return h.digest('hex').slice(0, 16);
}

export interface GroundTruthOptions {
  /** Where to cache: `<cacheStem>.gt-<hash>.ivecs`, e.g. next to the dataset file. */
  readonly cacheStem?: string;
  /** Told when the cache cannot be written (read-only folder); the truth is still returned. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Exact k nearest neighbours (squared L2) of the queries in the base set, computed once and cached
 * as .ivecs next to the data, keyed by a hash of the vectors.
 */
export function exactGroundTruth(base: Vectors, queries: Vectors, k: number, options: GroundTruthOptions = {}): GroundTruth {
  const kk = Math.min(k, base.count);
  const file = options.cacheStem ? `${options.cacheStem}.gt-${groundTruthKey(base, queries, kk)}.ivecs` : undefined;
  if (file && existsSync(file)) {
    const cached = readVecs(file, 'ivecs');
    if (cached.count === queries.count && cached.dim === kk) {
      return { ids: cached.data as Int32Array, k: kk, origin: 'cache' };
    }
  }
  const { ids } = exactKnn(base.data, base.count, queries.data, queries.count, base.dim, kk, 'l2');
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Write then rename: an interrupted run never leaves a half-written cache behind.
      const tmp = join(dirname(file), `.tmp-${process.pid}-${Date.now()}.ivecs`);
      writeFileSync(tmp, encodeVecs(ids, kk));
      renameSync(tmp, file);
    } catch (err) {
      options.onWarning?.(`could not cache ground truth at ${file}: ${(err as Error).message}`);
    }
  }
  return { ids, k: kk, origin: 'computed' };
}
