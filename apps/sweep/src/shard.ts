import { ReefError } from '@reef/core';

export interface Shard {
  /** 1-based index of this slice. */
  readonly index: number;
  readonly count: number;
}

/** Parses `i/N` with 1 ≤ i ≤ N (Slurm's `--array=1-N` hands i over directly). */
export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new ReefError('INVALID_PARAM', `--shard must look like i/N with 1 ≤ i ≤ N (e.g. 2/8), got '${spec}'`);
  }
  return { index, count };
}

/** Deals grid items round-robin, so every shard gets a mix of cheap and costly configurations. */
export function inShard<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...items];
  return items.filter((_, i) => i % shard.count === shard.index - 1);
}
