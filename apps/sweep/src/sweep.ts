import { existsSync } from 'node:fs';
import { ReefError, type ParamGrid, type ProgressReporter, type QuantizerPlugin, type Registry } from '@reef/core';
import type { NodeRegistryOptions } from '@reef/core/node';
import { loadDataset, type Dataset, type LoadOptions } from '@reef/datasets';
import { ConfigRunner } from './config-runner.js';
import { ResultsDb } from './db.js';
import { Interrupts, type StopSignal } from './interrupt.js';
import { availableMethods, checkGrid, planRuns, selectMethods, type MethodGrid, type PlannedRun } from './plan.js';
import { QUICK_RUN_PRIOR_SECONDS, cheapestRoundRobin, costsFromRows } from './order.js';
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
async function plan(registry: Registry, options: SweepOptions, progress: ProgressReporter): Promise<DatasetPlan[]> {
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
    const dataset = await loadDataset(spec, { seed: options.seed, onWarning: options.log, onProgress: (f, label) => progress.report(f, label), ...options.datasetOptions });
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

/** The first-party prior for a method id (own keys only: an id may be any name). */
function priorCost(method: string): number | undefined {
  return Object.hasOwn(QUICK_RUN_PRIOR_SECONDS, method) ? QUICK_RUN_PRIOR_SECONDS[method] : undefined;
}

/** Configurations of the sweep paired with their dataset, in run order. */
type WorkItem = { readonly dataset: Dataset; readonly run: PlannedRun };

/** Runs the sweep, writing one row per configuration to the database as soon as it finishes. */
export async function runSweep(registry: Registry, options: SweepOptions): Promise<SweepResult> {
  const progress = new Progress(process.stderr, options.quiet);
  // A dataset that fails to load leaves no half-drawn status line before the error.
  const plans = await plan(registry, options, progress.reporter).catch((err: unknown) => {
    progress.close();
    throw err;
  });
  const db = await ResultsDb.open(options.dbPath);
  // Written at once, so the printed path exists even if the first configuration is interrupted.
  if (!existsSync(options.dbPath)) db.save();
  const runner = new ConfigRunner(options.registryOptions);
  const interrupts = new Interrupts(() => runner.abandon(), options.log ?? (() => {}));
  interrupts.install();
  try {
    // Shards are dealt from the plan's order (the same on every machine), then ordered by cost here.
    const work = inShard(plans.flatMap((p) => p.runs.map((run) => ({ dataset: p.dataset, run }))), options.shard);
    const costs = costsFromRows(db.rows());
    const todo = cheapestRoundRobin(
      work
        .filter(({ run }) => options.force || !db.has(run.key))
        .map((item) => ({ ...item, method: item.run.plugin.id, cost: costs.byKey.get(item.run.key) ?? costs.byMethod.get(item.run.plugin.id) ?? priorCost(item.run.plugin.id) })),
    );
    progress.plan(todo.map((t) => t.method));
    const started = Date.now();
    const deadline = options.budgetSeconds === undefined ? undefined : (options.budgetFrom ?? started) + options.budgetSeconds * 1000;
    progress.deadline = deadline;
    let ran = 0;
    // Wall time of each method's last configuration: the budget check expects the next one of
    // that method to take at least as long (grids usually grow in cost).
    const lastMs = new Map<string, number>();
    // Methods with a result of this sweep (done before, or now): under a budget, a method without
    // one yet gets a fair share of what is left, so one slow method cannot use it all.
    const hasRow = new Set(work.filter(({ run }) => db.has(run.key, ['ok'])).map(({ run }) => run.plugin.id));
    const deferred: WorkItem[] = [];
    const notRun: WorkItem[] = [];
    /** Configurations stopped at their fair share: tried again at the end with the time left. */
    const retry: WorkItem[] = [];

    const notTried = new Set(todo.map((t) => t.run.key));
    const runOne = async (item: WorkItem, fairShare: boolean): Promise<void> => {
      const { dataset, run } = item;
      notTried.delete(run.key);
      if (interrupts.stopping) {
        notRun.push(item);
        return;
      }
      if (deadline !== undefined && !run.invalid && Date.now() + (lastMs.get(run.plugin.id) ?? 0) > deadline) {
        deferred.push(item);
        progress.drop(run.plugin.id);
        return;
      }
      const label = `${dataset.name} ${run.name}`;
      const startedAt = new Date().toISOString();
      if (run.invalid) {
        ran++;
        db.upsert({ ...baseRow(run, dataset, options, startedAt), status: 'invalid', reason: run.invalid });
        db.save();
        progress.finish(label, `skipped: ${run.invalid}`, run.plugin.id);
        return;
      }
      const t0 = Date.now();
      // The budget is a hard end: a configuration still running then is abandoned, left for the next call.
      let stop: number | undefined = deadline;
      if (deadline !== undefined && fairShare && !hasRow.has(run.plugin.id)) {
        // This method and those after it still without a result share what is left; a method with
        // more configurations queued keeps a share for them too (a cheaper one may still finish).
        const queued = todo.filter((t) => notTried.has(t.run.key) && !t.run.invalid);
        const waiting = new Set(queued.filter((t) => !hasRow.has(t.method)).map((t) => t.method));
        waiting.add(run.plugin.id);
        const siblings = queued.some((t) => t.method === run.plugin.id) ? 1 : 0;
        stop = t0 + Math.max(0, deadline - t0) / (waiting.size + siblings);
      }
      let overBudget = false;
      const timer = stop === undefined ? undefined : setTimeout(() => {
        overBudget = true;
        runner.abandon();
      }, Math.max(0, stop - t0));
      progress.start(label, run.plugin.id);
      const outcome = await runner.run({ dataset, pluginId: run.plugin.id, packageName: run.plugin.packageName, params: run.params, seed: options.seed }, (phase, fraction) => progress.update(label, phase, fraction));
      clearTimeout(timer);
      if (outcome.kind === 'abandoned') {
        const shareOnly = overBudget && stop !== deadline && !interrupts.stopping;
        if (shareOnly) retry.push(item);
        else (overBudget && !interrupts.stopping ? deferred : notRun).push(item);
        if (shareOnly) progress.note(label, `stopped at its share of the time budget (${((stop! - t0) / 1000).toFixed(0)} s) so that other methods get results; tried again at the end if time is left`);
        else progress.finish(label, overBudget ? 'stopped: time budget reached (left for the next call)' : 'abandoned', run.plugin.id);
        return;
      }
      ran++;
      lastMs.set(run.plugin.id, Date.now() - t0);
      const row: RunRow = outcome.kind === 'ok'
        ? { ...baseRow(run, dataset, options, startedAt), ...outcome.metrics, status: 'ok', reason: null }
        // A failing configuration is recorded and the sweep goes on.
        : { ...baseRow(run, dataset, options, startedAt), status: 'failed', reason: outcome.reason };
      db.upsert(row);
      db.save();
      if (row.status === 'ok') hasRow.add(run.plugin.id);
      progress.finish(label, row.status === 'ok' ? 'ok' : `FAILED ${row.reason}`, run.plugin.id, (Date.now() - t0) / 1000);
    };

    for (const item of todo) await runOne(item, true);
    for (const item of retry) await runOne(item, false);
    progress.close();
    const left = new Set([...deferred, ...notRun].map((d) => d.run.key));
    const keys = new Set(work.filter((w) => !left.has(w.run.key)).map((w) => w.run.key));
    const rows = db.rows().filter((r) => keys.has(r.run_key));
    return { rows, ran, alreadyDone: work.length - todo.length, deferred: deferred.length, interrupted: interrupts.signal, notRun: notRun.length };
  } finally {
    progress.close();
    interrupts.remove();
    await runner.close();
    db.close();
  }
}
