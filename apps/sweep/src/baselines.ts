import type { Registry } from '@reef/core';
import type { RunRow } from './schema.js';

/** Baseline method id → the Reef method it matches (QuantizerPlugin.baselineOf), from the registry. */
export function baselineMethods(registry: Registry | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const q of registry?.quantizers() ?? []) if (q.baselineOf) map.set(q.id, q.baselineOf);
  return map;
}

/** A Reef row and the baseline row of the same configuration, with Reef ÷ baseline ratios. */
export interface BaselinePair {
  readonly reef: RunRow;
  readonly baseline: RunRow;
  /** Reef fit_ms ÷ baseline fit_ms: below 1, Reef trains faster. */
  readonly fit: number | null;
  /** Reef search_ms ÷ baseline search_ms: below 1, Reef searches faster. */
  readonly search: number | null;
  /** Reef recall10_adc ÷ baseline recall10_adc: below 1, Reef ranks worse. */
  readonly recall10: number | null;
}

/** Parameters a run's `threads` does not make a different configuration of. */
const IGNORED = new Set(['threads']);

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || !(b > 0) ? null : a / b;

/**
 * Pairs each successful baseline row with the Reef rows of the method it names, on the same dataset,
 * whose parameters agree on every parameter both runs have (threads excepted). Parameters only one
 * side has (Reef's niter, say) are not compared.
 */
export function pairBaselines(rows: readonly RunRow[], baselineOf: ReadonlyMap<string, string>): BaselinePair[] {
  const ok = rows.filter((r) => r.status === 'ok');
  const pairs: BaselinePair[] = [];
  for (const baseline of ok) {
    const reefMethod = baselineOf.get(baseline.method);
    if (!reefMethod) continue;
    const bp = JSON.parse(baseline.params) as Record<string, unknown>;
    for (const reef of ok) {
      if (reef.method !== reefMethod || reef.dataset !== baseline.dataset) continue;
      const rp = JSON.parse(reef.params) as Record<string, unknown>;
      const shared = Object.keys(bp).filter((k) => k in rp && !IGNORED.has(k));
      if (shared.length === 0 || !shared.every((k) => rp[k] === bp[k])) continue;
      pairs.push({
        reef,
        baseline,
        fit: ratio(reef.fit_ms, baseline.fit_ms),
        search: ratio(reef.search_ms, baseline.search_ms),
        recall10: ratio(reef.recall10_adc, baseline.recall10_adc),
      });
    }
  }
  return pairs;
}

const times = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}×`);

/** Console lines: one per pair, Reef ÷ baseline. */
export function formatBaselinePairs(pairs: readonly BaselinePair[]): string {
  if (pairs.length === 0) return '';
  const lines = pairs.map(
    (p) => `  ${p.reef.dataset} ${p.reef.config_name} vs ${p.baseline.config_name}: fit ${times(p.fit)}, search ${times(p.search)}, R@10 adc ${times(p.recall10)}`,
  );
  return ['Reef ÷ baseline (same dataset, same shared parameters; times below 1: Reef faster; recall below 1: Reef worse):', ...lines].join('\n');
}
