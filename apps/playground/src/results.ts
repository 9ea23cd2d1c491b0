import type { RunRow } from '@reef/sweep/charts';
import type { RunResult } from './protocol.js';

/** A run as a row of the sweep's results table, so the sweep report's chart code draws it unchanged. */
export function asRunRow(r: RunResult): RunRow {
  return {
    ...r.measurement,
    run_key: `${r.datasetName}|${r.configName}|${r.seed}`,
    dataset: r.datasetName,
    dataset_source: 'playground',
    method: r.pluginId,
    package: '',
    config_name: r.configName,
    params: JSON.stringify(r.params),
    seed: r.seed,
    status: 'ok',
    reason: null,
    versions: '{}',
    git_commit: '',
    started_at: '',
    finished_at: '',
    host: 'browser',
    shard: null,
  };
}

/** The table's columns: header, value, digits. recall@10 as the sweep reports it (ADC when the method has it). */
export const TABLE_COLUMNS: readonly { readonly head: string; readonly value: (r: RunResult) => number | null; readonly digits: number }[] = [
  { head: 'bits/vector', value: (r) => r.measurement.bits_per_vector, digits: 0 },
  { head: 'compression', value: (r) => r.measurement.compression_codes, digits: 1 },
  { head: 'MSE', value: (r) => r.measurement.mse, digits: 4 },
  { head: 'recall@10', value: (r) => r.measurement.recall10_adc ?? r.measurement.recall10_decoded, digits: 4 },
  { head: 'recall@100', value: (r) => r.measurement.recall100_adc ?? r.measurement.recall100_decoded, digits: 4 },
  { head: 'fit ms', value: (r) => r.measurement.fit_ms, digits: 0 },
  { head: 'queries/s', value: (r) => r.measurement.qps, digits: 0 },
];
