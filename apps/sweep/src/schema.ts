/**
 * The results table. One row per (dataset, method, parameters, seed): `run_key` identifies it, so a
 * re-run skips rows already there and `merge` de-duplicates across shards.
 */
export const SCHEMA_VERSION = 1;

/** Metric columns, in table order. Each is defined in docs/metrics.md. */
export const METRIC_COLUMNS = [
  'n_base', 'n_queries', 'dim',
  'code_bytes', 'bits_per_vector', 'model_bytes',
  'compression_codes', 'compression_total',
  'mse', 'relative_mse', 'distance_distortion',
  'recall1_adc', 'recall10_adc', 'recall100_adc',
  'recall1_decoded', 'recall10_decoded', 'recall100_decoded',
  'fit_ms', 'encode_ms', 'decode_ms', 'search_ms', 'qps',
  'peak_rss_mb',
] as const;
export type MetricColumn = (typeof METRIC_COLUMNS)[number];
export type Metrics = Record<MetricColumn, number | null> & { search_kind: 'adc' | 'decoded' };

export type RunStatus = 'ok' | 'invalid' | 'failed';

export interface RunRow extends Partial<Record<MetricColumn, number | null>> {
  run_key: string;
  dataset: string;
  dataset_source: string;
  method: string;
  package: string;
  config_name: string;
  /** JSON of the resolved parameters. */
  params: string;
  seed: number;
  status: RunStatus;
  /** Why a configuration was skipped (invalid) or failed. */
  reason: string | null;
  search_kind: string | null;
  /** JSON map package → version of everything that produced the row. */
  versions: string;
  git_commit: string;
  started_at: string;
  finished_at: string;
  host: string;
  shard: string | null;
}

export const TEXT_COLUMNS = [
  'run_key', 'dataset', 'dataset_source', 'method', 'package', 'config_name', 'params', 'seed', 'status', 'reason',
  'search_kind', 'versions', 'git_commit', 'started_at', 'finished_at', 'host', 'shard',
] as const;

export const ALL_COLUMNS: readonly string[] = [...TEXT_COLUMNS, ...METRIC_COLUMNS];

export const CREATE_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_key TEXT PRIMARY KEY,
  dataset TEXT NOT NULL,
  dataset_source TEXT NOT NULL,
  method TEXT NOT NULL,
  package TEXT NOT NULL,
  config_name TEXT NOT NULL,
  params TEXT NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'invalid', 'failed')),
  reason TEXT,
  search_kind TEXT,
  versions TEXT NOT NULL,
  git_commit TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  host TEXT NOT NULL,
  shard TEXT,
${METRIC_COLUMNS.map((c) => `  ${c} REAL`).join(',\n')}
);
CREATE INDEX IF NOT EXISTS runs_by_method ON runs (dataset, method);
`;
