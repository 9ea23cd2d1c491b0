import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ReefError, type Vectors } from '@reef/core';
import { exactKnn } from '@reef/kernels';
import type { GroundTruth } from './types.js';
import { readVecs } from './files.js';
import { encodeVecs } from './vecs.js';

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
  /** Where to cache: `<cacheStem>.gt-<hash>.ivecs`, in a cache folder (never the dataset's own). */
  readonly cacheStem?: string;
  /** Told when the truth could not be cached. */
  readonly onWarning?: (message: string) => void;
  /** Told the fraction of queries done while the truth is computed (not when it comes from the cache). */
  readonly onProgress?: (fraction: number) => void;
}

/** Queries per exactKnn call while computing: ~20 steps of progress, each still a large batch. */
function queryBlock(queries: number): number {
  return Math.max(16, Math.ceil(queries / 20));
}

function cacheFile(stem: string, key: string): string {
  return `${stem}.gt-${key}.ivecs`;
}

/** Write then rename: an interrupted run never leaves a half-written cache behind. */
function writeAtomically(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.tmp-${process.pid}-${Date.now()}.ivecs`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Exact k nearest neighbours (squared L2) of the queries in the base set, computed once and cached
 * as .ivecs at `cacheStem`, keyed by a hash of the vectors.
 */
export function exactGroundTruth(base: Vectors, queries: Vectors, k: number, options: GroundTruthOptions = {}): GroundTruth {
  const kk = Math.min(k, base.count);
  const stem = options.cacheStem;
  const key = stem !== undefined ? groundTruthKey(base, queries, kk) : '';
  if (stem !== undefined) {
    const file = cacheFile(stem, key);
    if (existsSync(file)) {
      const cached = readVecs(file, 'ivecs');
      if (cached.count === queries.count && cached.dim === kk) return { ids: cached.data as Int32Array, k: kk, origin: 'cache' };
    }
  }
  // In blocks of queries, so a long computation can say how far it got (each query is independent).
  const ids = new Int32Array(queries.count * kk);
  const block = queryBlock(queries.count);
  options.onProgress?.(0);
  for (let q = 0; q < queries.count; q += block) {
    const n = Math.min(block, queries.count - q);
    const part = exactKnn(base.data, base.count, queries.data.subarray(q * base.dim, (q + n) * base.dim), n, base.dim, kk, 'l2');
    ids.set(part.ids, q * kk);
    options.onProgress?.((q + n) / queries.count);
  }
  if (stem !== undefined) {
    const file = cacheFile(stem, key);
    try {
      writeAtomically(file, encodeVecs(ids, kk));
    } catch (err) {
      options.onWarning?.(`cannot write ${dirname(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ground truth not cached, it will be computed again next time`);
    }
  }
  return { ids, k: kk, origin: 'computed' };
}
