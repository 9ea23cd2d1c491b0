import { printable } from '@reef/core/printable';
import { formatBaselinePairs, pairBaselines } from './baselines.js';
import type { RunRow } from './schema.js';

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '-' : Number(v).toFixed(digits));
const fmtBig = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '-';
  const abs = Math.abs(v);
  if (abs >= 1e4 || (abs > 0 && abs < 1e-2)) return Number(v).toExponential(2);
  return Number(v).toFixed(abs >= 100 ? 0 : 2);
};

/** Columns of the console table: short headers, one formatter each. */
const COLUMNS: { header: string; cell: (r: RunRow) => string }[] = [
  { header: 'dataset', cell: (r) => r.dataset },
  { header: 'config', cell: (r) => r.config_name },
  { header: 'bits', cell: (r) => fmt(r.bits_per_vector, 0) },
  { header: 'ratio', cell: (r) => fmt(r.compression_codes, 1) },
  { header: 'ratio+model', cell: (r) => fmt(r.compression_total, 1) },
  { header: 'MSE', cell: (r) => fmtBig(r.mse) },
  { header: 'rel.MSE', cell: (r) => fmt(r.relative_mse, 4) },
  { header: 'R@10 adc', cell: (r) => fmt(r.recall10_adc) },
  { header: 'R@10 dec', cell: (r) => fmt(r.recall10_decoded) },
  { header: 'distort', cell: (r) => fmt(r.distance_distortion, 4) },
  { header: 'fit s', cell: (r) => fmt(r.fit_ms === null || r.fit_ms === undefined ? null : r.fit_ms / 1000, 2) },
  { header: 'QPS', cell: (r) => fmtBig(r.qps) },
];

/**
 * A plain-text table of successful runs (baseline rows, from methods in `baselineOf`, marked `base`),
 * then one line per skipped or failed configuration, then Reef ÷ baseline ratios of matching runs.
 */
export function formatTable(rows: readonly RunRow[], baselineOf: ReadonlyMap<string, string> = new Map()): string {
  const ok = rows.filter((r) => r.status === 'ok');
  const cells = ok.map((r) => COLUMNS.map((c) => (c.header === 'config' && baselineOf.has(r.method) ? `${c.cell(r)} [base]` : c.cell(r))));
  const widths = COLUMNS.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]): string => values.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  // No successful run: no header over nothing (an empty string when no row at all).
  const out = ok.length > 0 ? [line(COLUMNS.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)] : [];
  for (const r of rows.filter((x) => x.status !== 'ok')) {
    // A plugin's reason may quote bytes from the dataset: escaped like every other untrusted text.
    out.push(`${r.status === 'invalid' ? 'skipped' : 'FAILED '} ${r.dataset} ${r.config_name}: ${printable(r.reason ?? '', 500)}`);
  }
  const pairs = formatBaselinePairs(pairBaselines(rows, baselineOf));
  if (pairs) out.push('', pairs);
  return out.join('\n');
}
