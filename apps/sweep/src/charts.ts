import type { ChartSpec } from './chart.js';
import type { RunRow } from './schema.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/** Recall is a fraction: its axis never runs past 0 or 1. */
const RECALL_BOUNDS: readonly [number, number] = [0, 1];

/** recall@10 as the sweep reports it: by asymmetric distance when the method has it, else by decoded vectors. */
export function recall10(r: RunRow): number | null {
  return r.recall10_adc ?? r.recall10_decoded ?? null;
}

function byMethod(rows: readonly RunRow[]): Map<string, RunRow[]> {
  const out = new Map<string, RunRow[]>();
  for (const r of rows) out.set(r.method, [...(out.get(r.method) ?? []), r]);
  return out;
}

function methodLabel(rows: readonly RunRow[]): string {
  return rows[0].config_name.replace(/\(.*$/, '');
}

/** The three charts of the report for one dataset's successful runs. */
export function chartSpecs(dataset: string, rows: readonly RunRow[]): ChartSpec[] {
  const ok = rows.filter((r) => r.status === 'ok');
  const methods = [...byMethod(ok).entries()];
  const slug = dataset.replace(/[^a-zA-Z0-9-]/g, '_');
  const series = (x: (r: RunRow) => number | null | undefined, y: (r: RunRow) => number | null | undefined, line: 'sorted' | 'pareto') =>
    methods.map(([, rs], i) => ({
      name: methodLabel(rs),
      color: PALETTE[i % PALETTE.length],
      line,
      points: rs.filter((r) => x(r) != null && y(r) != null).map((r) => ({ x: Number(x(r)), y: Number(y(r)), label: r.config_name })),
    }));
  return [
    {
      id: `recall-vs-compression-${slug}`,
      title: `Recall@10 vs compression — ${dataset}`,
      xLabel: 'compression ratio (codes only)',
      yLabel: 'recall@10',
      xLog: true,
      yBounds: RECALL_BOUNDS,
      series: series((r) => r.compression_codes, recall10, 'sorted'),
    },
    {
      id: `mse-vs-bits-${slug}`,
      title: `MSE vs bits per vector — ${dataset}`,
      xLabel: 'bits per vector',
      yLabel: 'MSE',
      xLog: true,
      yLog: true,
      series: series((r) => r.bits_per_vector, (r) => r.mse, 'sorted'),
    },
    {
      id: `recall-vs-qps-${slug}`,
      title: `Recall@10 vs queries per second — ${dataset}`,
      xLabel: 'recall@10',
      yLabel: 'queries per second (1 thread)',
      yLog: true,
      xBounds: RECALL_BOUNDS,
      series: series(recall10, (r) => r.qps, 'pareto'),
    },
  ];
}
