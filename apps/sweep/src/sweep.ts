import { existsSync } from 'node:fs';
import { ReefError, type ParamGrid, type QuantizerPlugin, type Registry } from '@reef/core';
import type { NodeRegistryOptions } from '@reef/core/node';
import { loadDataset, type Dataset, type LoadOptions } from '@reef/datasets';
import { ConfigRunner } from './config-runner.js';
import { ResultsDb } from './db.js';
import { Interrupts, type StopSignal } from './interrupt.js';
import { availableMethods, checkGrid, planRuns, selectMethods, type MethodGrid, type PlannedRun } from './plan.js';
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
  /** Methods without a given grid sweep their quickGrid (default: one configuration of defaults) instead of defaultGrid. */
  readonly quick?: boolean;
  /** Keep at most this many valid configurations per method (spread over the grid). */
  readonly maxPerMethod?: number;
  /**
   * The sweep ends after this many seconds: configurations expected to end later are not started,
   * one still running then is abandoned, and all of them run on the next call (resumable).
   */
  readonly budgetSeconds?: number;
  /** When the budget started (ms since the epoch); default: when the first configuration starts. */
  readonly budgetFrom?: number;
  /** How the measuring worker finds the plugins: the same discovery as the host's registry. */
  readonly registryOptions: NodeRegistryOptions;
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
  /** Set when Ctrl-C or SIGTERM stopped the sweep early. */
  readonly interrupted?: StopSignal;
  /** Configurations not run (or abandoned) because of the interruption. */
  readonly notRun: number;
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
  const methods = availableMethods(selectMethods(registry, options.methods), options.log ?? (() => {}));
  if (methods.length === 0) throw new ReefError('UNSUPPORTED', 'none of the selected methods can run here (see the lines above)');
  const grids: MethodGrid[] = methods.map((plugin) => {
    const given = options.grids.get(plugin.id);
    // Declared grids are checked like the user's: a plugin naming an unknown parameter is told so.
    const declared = options.quick ? plugin.quickGrid ?? {} : plugin.defaultGrid;
    return { plugin, grid: given ?? checkGrid(plugin, declared), explicit: given !== undefined };
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

/** Configurations of the sweep paired with their dataset, in run order. */
type WorkItem = { readonly dataset: Dataset; readonly run: PlannedRun };

/** Runs the sweep, writing one row per configuration to the database as soon as it finishes. */
export async function runSweep(registry: Registry, options: SweepOptions): Promise<SweepResult> {
  const plans = await plan(registry, options);
  const db = await ResultsDb.open(options.dbPath);
  // Written at once, so the printed path exists even if the first configuration is interrupted.
  if (!existsSync(options.dbPath)) db.save();
  const runner = new ConfigRunner(options.registryOptions);
  const interrupts = new Interrupts(() => runner.abandon(), options.log ?? (() => {}));
  interrupts.install();
  try {
    const work = inShard(plans.flatMap((p) => p.runs.map((run) => ({ dataset: p.dataset, run }))), options.shard);
    const todo = work.filter(({ run }) => options.force || !db.has(run.key));
    const progress = new Progress(todo.length, process.stderr, options.quiet);
    const started = Date.now();
    const deadline = options.budgetSeconds === undefined ? undefined : (options.budgetFrom ?? started) + options.budgetSeconds * 1000;
    let ran = 0;
    // Wall time of each method's last configuration: the budget check expects the next one of
    // that method to take at least as long (grids usually grow in cost).
    const lastMs = new Map<string, number>();
    const deferred: WorkItem[] = [];
    const notRun: WorkItem[] = [];
    for (const item of todo) {
      const { dataset, run } = item;
      if (interrupts.stopping) {
        notRun.push(item);
        continue;
      }
      if (deadline !== undefined && !run.invalid && Date.now() + (lastMs.get(run.plugin.id) ?? 0) > deadline) {
        deferred.push(item);
        continue;
      }
      const label = `${dataset.name} ${run.name}`;
      const startedAt = new Date().toISOString();
      if (run.invalid) {
        ran++;
        db.upsert({ ...baseRow(run, dataset, options, startedAt), status: 'invalid', reason: run.invalid });
        db.save();
        progress.finish(label, `skipped: ${run.invalid}`);
        continue;
      }
      const t0 = Date.now();
      // The budget is a hard end: a configuration still running then is abandoned, left for the next call.
      let overBudget = false;
      const timer = deadline === undefined ? undefined : setTimeout(() => {
        overBudget = true;
        runner.abandon();
      }, Math.max(0, deadline - t0));
      const outcome = await runner.run({ dataset, pluginId: run.plugin.id, packageName: run.plugin.packageName, params: run.params, seed: options.seed }, (phase) => progress.update(label, phase));
      clearTimeout(timer);
      if (outcome.kind === 'abandoned') {
        (overBudget && !interrupts.stopping ? deferred : notRun).push(item);
        progress.finish(label, overBudget ? 'stopped: time budget reached (left for the next call)' : 'abandoned');
        continue;
      }
      ran++;
      lastMs.set(run.plugin.id, Date.now() - t0);
      const row: RunRow = outcome.kind === 'ok'
        ? { ...baseRow(run, dataset, options, startedAt), ...outcome.metrics, status: 'ok', reason: null }
        // A failing configuration is recorded and the sweep goes on.
        : { ...baseRow(run, dataset, options, startedAt), status: 'failed', reason: outcome.reason };
      db.upsert(row);
      db.save();
      progress.finish(label, row.status === 'ok' ? 'ok' : `FAILED ${row.reason}`);
    }
    const left = new Set([...deferred, ...notRun].map((d) => d.run.key));
    const keys = new Set(work.filter((w) => !left.has(w.run.key)).map((w) => w.run.key));
    const rows = db.rows().filter((r) => keys.has(r.run_key));
    return { rows, ran, alreadyDone: work.length - todo.length, deferred: deferred.length, interrupted: interrupts.signal, notRun: notRun.length };
  } finally {
    interrupts.remove();
    await runner.close();
    db.close();
  }
}
