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
  /** Where to cache: `<cacheStem>.gt-<hash>.ivecs`, e.g. next to the dataset file. */
  readonly cacheStem?: string;
  /**
   * Where to cache when `cacheStem`'s folder cannot be written (a read-only system folder such as
   * /usr/share/datasets): typically the user's `.reef-cache/datasets`. Both are looked up first.
   */
  readonly fallbackStem?: string;
  /** Told where the truth went when the first folder was not writable, or that it could not be cached. */
  readonly onWarning?: (message: string) => void;
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
 * as .ivecs next to the data (or in the fallback folder when that is read-only), keyed by a hash of
 * the vectors.
 */
export function exactGroundTruth(base: Vectors, queries: Vectors, k: number, options: GroundTruthOptions = {}): GroundTruth {
  const kk = Math.min(k, base.count);
  const stems = [options.cacheStem, options.fallbackStem].filter((s): s is string => s !== undefined);
  const key = stems.length > 0 ? groundTruthKey(base, queries, kk) : '';
  for (const stem of stems) {
    const file = cacheFile(stem, key);
    if (!existsSync(file)) continue;
    const cached = readVecs(file, 'ivecs');
    if (cached.count === queries.count && cached.dim === kk) return { ids: cached.data as Int32Array, k: kk, origin: 'cache' };
  }
  const { ids } = exactKnn(base.data, base.count, queries.data, queries.count, base.dim, kk, 'l2');
  const bytes = stems.length > 0 ? encodeVecs(ids, kk) : undefined;
  const failures: string[] = [];
  for (const stem of stems) {
    const file = cacheFile(stem, key);
    try {
      writeAtomically(file, bytes!);
      if (failures.length > 0) options.onWarning?.(`${failures.join('; ')}: ground truth cached at ${file} instead`);
      return { ids, k: kk, origin: 'computed' };
    } catch (err) {
      failures.push(`cannot write ${dirname(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (failures.length > 0) options.onWarning?.(`${failures.join('; ')}: ground truth not cached, it will be computed again next time`);
  return { ids, k: kk, origin: 'computed' };
}
