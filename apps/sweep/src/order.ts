/**
 * The order a sweep runs its configurations in: round-robin across methods, so a time budget that
 * runs out still leaves every method with results, and within that cheapest first, so as many as
 * possible finish. Costs come from earlier runs (the results database); configurations never run
 * keep their place after the known ones, in plan order.
 */

export interface Orderable {
  readonly method: string;
  /** Expected seconds, from an earlier run of it (or of its method); undefined when never run. */
  readonly cost?: number;
}

/** Methods ordered by their cheapest known configuration; each round takes the next of every method. */
export function cheapestRoundRobin<T extends Orderable>(items: readonly T[]): T[] {
  const queues = new Map<string, T[]>();
  for (const item of items) queues.set(item.method, [...(queues.get(item.method) ?? []), item]);
  const known = (x: T): number => x.cost ?? Infinity;
  // Stable sorts: unknown costs keep the plan's order, after every known one.
  for (const q of queues.values()) q.sort((a, b) => known(a) - known(b));
  const methods = [...queues.values()].sort((a, b) => known(a[0]) - known(b[0]));
  const out: T[] = [];
  for (let round = 0; out.length < items.length; round++) for (const q of methods) if (round < q.length) out.push(q[round]);
  return out;
}

/**
 * What the first call knows before this machine measured anything: seconds of fit + encode +
 * decode + search of each first-party method's quickGrid configuration on fmnist-2k, measured on
 * 2 shared cores at load ≈ 30 (`pnpm sweep`, 2026-12-06). Only their order matters: rows of
 * earlier runs replace them, and methods not listed (third-party) come after the listed ones.
 */
export const QUICK_RUN_PRIOR_SECONDS: Readonly<Record<string, number>> = {
  sq: 0.2,
  rq: 3.8,
  lattice: 4.2,
  pq: 4.6,
  opq: 31.6,
  rabitq: 49.5,
};

/** Expected seconds per configuration and per method, from rows of earlier runs (fit + encode + decode + search). */
export function costsFromRows(rows: readonly { run_key: string; method: string; status: string; fit_ms?: number | null; encode_ms?: number | null; decode_ms?: number | null; search_ms?: number | null }[]): {
  byKey: Map<string, number>;
  byMethod: Map<string, number>;
} {
  const byKey = new Map<string, number>();
  const sums = new Map<string, { total: number; n: number }>();
  for (const r of rows) {
    if (r.status !== 'ok' || r.fit_ms == null) continue;
    const seconds = ((r.fit_ms ?? 0) + (r.encode_ms ?? 0) + (r.decode_ms ?? 0) + (r.search_ms ?? 0)) / 1000;
    byKey.set(r.run_key, seconds);
    const s = sums.get(r.method) ?? { total: 0, n: 0 };
    sums.set(r.method, { total: s.total + seconds, n: s.n + 1 });
  }
  return { byKey, byMethod: new Map([...sums].map(([m, s]) => [m, s.total / s.n])) };
}
