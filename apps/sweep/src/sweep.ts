import { isReefError, ReefError, type ParamGrid, type QuantizerPlugin, type Registry } from '@reef/core';
import { loadDataset, type Dataset, type LoadOptions } from '@reef/datasets';
import { ResultsDb } from './db.js';
import { measure } from './measure.js';
import { planRuns, selectMethods, type MethodGrid, type PlannedRun } from './plan.js';
import { Progress } from './progress.js';
import type { RunRow } from './schema.js';
import { inShard, type Shard } from './shard.js';

export interface SweepOptions {
  readonly datasets: readonly string[];
  /** Method ids, or undefined/['all'] for every registered quantizer. */
  readonly methods?: readonly string[];
  /** Grids the user gave per method id; methods without one sweep their defaultGrid. */
  readonly grids: ReadonlyMap<string, ParamGrid>;
  readonly dbPath: string;
  readonly force: boolean;
  readonly seed: number;
  readonly shard?: Shard;
  /** Keep at most this many valid configurations per method (spread over the grid). */
  readonly maxPerMethod?: number;
  /**
   * Start no second (third, ...) configuration of a method that would end past this many seconds;
   * each method's first always runs. The rest run on the next call (resumable).
   */
  readonly budgetSeconds?: number;
  readonly datasetOptions?: LoadOptions;
  readonly quiet?: boolean;
  /** Package versions recorded with each row, given the plugin's package. */
  readonly versions: (plugin: QuantizerPlugin) => Record<string, string>;
  readonly gitCommit: string;
  readonly host: string;
  readonly log?: (line: string) => void;
}

export interface SweepResult {
  /** Rows of this sweep's configurations (new and previously done), for the table and report. */
  readonly rows: RunRow[];
  readonly ran: number;
  readonly alreadyDone: number;
  /** Configurations left for a later call because the time budget ran out. */
  readonly deferred: number;
}

/** Orders runs round-robin across methods, so a time budget still covers every method. */
function interleaveByMethod(runs: readonly PlannedRun[]): PlannedRun[] {
  const queues = new Map<string, PlannedRun[]>();
  for (const r of runs) queues.set(r.plugin.id, [...(queues.get(r.plugin.id) ?? []), r]);
  const out: PlannedRun[] = [];
  for (let i = 0; out.length < runs.length; i++) for (const q of queues.values()) if (i < q.length) out.push(q[i]);
  return out;
}

interface DatasetPlan {
  readonly dataset: Dataset;
  readonly runs: PlannedRun[];
}

function baseRow(run: PlannedRun, dataset: Dataset, options: SweepOptions, startedAt: string): Omit<RunRow, 'status' | 'reason'> {
  return {
    run_key: run.key,
    dataset: dataset.name,
    dataset_source: dataset.source,
    method: run.plugin.id,
    package: run.plugin.packageName ?? 'unknown',
    config_name: run.name,
    params: JSON.stringify(run.params),
    seed: options.seed,
    search_kind: null,
    versions: JSON.stringify(options.versions(run.plugin)),
    git_commit: options.gitCommit,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    host: options.host,
    shard: options.shard ? `${options.shard.index}/${options.shard.count}` : null,
  };
}

/** Plans every dataset × method × configuration, refusing a sweep with nothing valid to run. */
async function plan(registry: Registry, options: SweepOptions): Promise<DatasetPlan[]> {
  const methods = selectMethods(registry, options.methods);
  const grids: MethodGrid[] = methods.map((plugin) => {
    const given = options.grids.get(plugin.id);
    return { plugin, grid: given ?? plugin.defaultGrid, explicit: given !== undefined };
  });
  const plans: DatasetPlan[] = [];
  for (const spec of options.datasets) {
    const dataset = await loadDataset(spec, { seed: options.seed, onWarning: options.log, ...options.datasetOptions });
    // The run key covers the data's shape too, so changing --queries or the file is not mistaken for done work.
    const datasetKey = `${dataset.name}|${dataset.base.count}x${dataset.base.dim}|${dataset.queries.count}q|k${dataset.groundTruth.k}`;
    const runs = planRuns(grids, datasetKey, dataset.base.dim, options.seed, options.maxPerMethod);
    plans.push({ dataset, runs: interleaveByMethod(runs) });
  }
  const all = plans.flatMap((p) => p.runs);
  if (!all.some((r) => !r.invalid)) {
    const reasons = all.map((r) => `  ${r.name}: ${r.invalid}`).join('\n');
    throw new ReefError('INVALID_PARAM', `the sweep has no valid configuration${reasons ? `:\n${reasons}` : ' (empty grid)'}`);
  }
  return plans;
}

/** Runs the sweep, writing one row per configuration to the database as soon as it finishes. */
export async function runSweep(registry: Registry, options: SweepOptions): Promise<SweepResult> {
  const plans = await plan(registry, options);
  const db = await ResultsDb.open(options.dbPath);
  try {
    const work = inShard(plans.flatMap((p) => p.runs.map((run) => ({ dataset: p.dataset, run }))), options.shard);
    const todo = work.filter(({ run }) => options.force || !db.has(run.key));
    const progress = new Progress(todo.length, process.stderr, options.quiet);
    const started = Date.now();
    let ran = 0;
    // Wall time of each method's last configuration: the budget check expects the next one of
    // that method to take at least as long (grids usually grow in cost).
    const lastMs = new Map<string, number>();
    const deferred: typeof todo = [];
    for (const item of todo) {
      const { dataset, run } = item;
      // Every method gets its first configuration; the budget only holds back later ones.
      if (options.budgetSeconds !== undefined && !run.invalid && lastMs.has(run.plugin.id)) {
        const expected = Date.now() - started + (lastMs.get(run.plugin.id) ?? 0);
        if (expected > options.budgetSeconds * 1000) {
          deferred.push(item);
          continue;
        }
      }
      ran++;
      const t0 = Date.now();
      const label = `${dataset.name} ${run.name}`;
      const startedAt = new Date().toISOString();
      if (run.invalid) {
        db.upsert({ ...baseRow(run, dataset, options, startedAt), status: 'invalid', reason: run.invalid });
        db.save();
        progress.finish(label, `skipped: ${run.invalid}`);
        continue;
      }
      let row: RunRow;
      try {
        const quantizer = run.plugin.create(run.params);
        const metrics = await measure(quantizer, dataset, { seed: options.seed, onPhase: (phase) => progress.update(label, phase) });
        row = { ...baseRow(run, dataset, options, startedAt), ...metrics, status: 'ok', reason: null };
      } catch (err) {
        // A failing configuration is recorded and the sweep goes on; bugs (non-Reef errors) keep their stack in the reason.
        const reason = isReefError(err) ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' | ');
        row = { ...baseRow(run, dataset, options, startedAt), status: 'failed', reason };
      }
      lastMs.set(run.plugin.id, Date.now() - t0);
      db.upsert(row);
      db.save();
      progress.finish(label, row.status === 'ok' ? 'ok' : `FAILED ${row.reason}`);
      await new Promise((r) => setImmediate(r)); // let signals and stream writes through between runs
    }
    const deferredKeys = new Set(deferred.map((d) => d.run.key));
    const keys = new Set(work.filter((w) => !deferredKeys.has(w.run.key)).map((w) => w.run.key));
    const rows = db.rows().filter((r) => keys.has(r.run_key));
    return { rows, ran, alreadyDone: work.length - todo.length, deferred: deferred.length };
  } finally {
    db.close();
  }
}
