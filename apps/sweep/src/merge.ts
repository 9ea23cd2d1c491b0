import { ReefError } from '@reef/core';
import { ResultsDb } from './db.js';
import type { RunRow } from './schema.js';

/** Which of two rows for one configuration to keep: a success beats a failure, then the newer run. */
function better(a: RunRow, b: RunRow): RunRow {
  const rank = (r: RunRow): number => (r.status === 'ok' ? 2 : r.status === 'invalid' ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b;
  return a.finished_at >= b.finished_at ? a : b;
}

/**
 * Combines result databases (e.g. one per --shard) into `outPath`, which may already hold rows.
 * Inputs are opened read-only and checked for a compatible schema before anything is written.
 */
export async function mergeDatabases(outPath: string, inputs: readonly string[]): Promise<{ inputs: number; rows: number; replaced: number }> {
  if (inputs.includes(outPath)) throw new ReefError('INVALID_PARAM', `merge output ${outPath} is also an input`);
  const sources: RunRow[][] = [];
  for (const path of inputs) {
    const db = await ResultsDb.open(path, { create: false });
    sources.push(db.rows());
    db.close();
  }
  const out = await ResultsDb.open(outPath);
  try {
    const byKey = new Map(out.rows().map((r) => [r.run_key, r]));
    let replaced = 0;
    for (const row of sources.flat()) {
      const existing = byKey.get(row.run_key);
      const keep = existing ? better(existing, row) : row;
      if (existing && keep !== existing) replaced++;
      byKey.set(row.run_key, keep);
    }
    for (const row of byKey.values()) out.upsert(row);
    out.save();
    return { inputs: inputs.length, rows: byKey.size, replaced };
  } finally {
    out.close();
  }
}
