import { resolve } from 'node:path';
import { COMPUTE_POOL, ReefError, WARNINGS, WrittenWarnings, closestName, type ParamGrid, type QuantizerPlugin, type Registry } from '@reef/core';
import { createNodeRegistry, type NodeRegistryOptions } from '@reef/core/node';
import { NodeWorkerPool } from '@reef/kernels/node';
import { DEFAULT_DATASET } from '@reef/datasets';
import { VALUE_OPTIONS, intOption, listOption, parseArgs, singleOption, type MethodOptions, type ParsedArgs } from './args.js';
import { readSweepFile, type SweepFile } from './config.js';
import { exportResults } from './export.js';
import { SIGNAL_EXIT_CODES } from './interrupt.js';
import { mergeDatabases } from './merge.js';
import { checkGrid, gridsFromOptions, selectMethods } from './plan.js';
import { APP_DIR, appVersion, gitCommit, hostName, localPluginVersions, packageVersion } from './provenance.js';
import { baselineMethods } from './baselines.js';
import { writeReport } from './report.js';
import { parseShard } from './shard.js';
import { runSweep } from './sweep.js';
import { formatTable } from './table.js';
import { ResultsDb } from './db.js';

/** Options the runner itself understands; every other `--x-y` is a per-method parameter. */
const GENERIC_OPTIONS = new Set(VALUE_OPTIONS);
/** Strict parsing for commands that run no method: only the runner's own options. */
const NO_METHODS: MethodOptions = { names: [], ids: [] };

/**
 * The quick run's hard time budget, counted from the start of the process: it ends by then,
 * whatever the plugins' speed; unfinished configurations run on the next call. Keeps `pnpm sweep`
 * under a minute on 2 cores even when they are shared with other jobs.
 */
const QUICK_BUDGET_SECONDS = 45;
/**
 * Seconds of the budget kept for the report, so configurations stop this much earlier. Measured on
 * 2 cores at load ≈ 7: `reef-sweep report` of the quick run's 8 rows 5.9–6.9 s, of which Node's
 * start-up 1.2 s and the three PNGs ~3.6 s (resvg's WebAssembly start-up 2 s, then 0.5 s each).
 */
const REPORT_RESERVE_SECONDS = 5;
/** Queries in the quick run: some methods' search is slow, and recall over 30 queries is enough for a first look. */
const QUICK_QUERIES = 30;
const DEFAULT_OUT = '.reef-cache/sweep';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
}

function usage(registry?: Registry): string {
  const lines = [
    'reef-sweep: benchmark Reef quantizers (docs/metrics.md defines every metric)',
    '',
    'Usage:',
    '  reef-sweep [run] [options]            run a sweep (no --methods/grid: the quick run, each plugin\'s quickGrid)',
    '  reef-sweep merge <out.db> <in.db>...  combine databases (e.g. from --shard runs)',
    '  reef-sweep export --db <file> [--format csv|json] [--out <file>]',
    '  reef-sweep report --db <file> [--out <dir>]   re-draw plots and the HTML report',
    '  reef-sweep methods                    list installed methods and their parameters',
    '',
    'Options:',
    `  --methods pq,sq|all       methods to run with their defaultGrid (default: all installed, quick run)`,
    `  --dataset <spec>          ${DEFAULT_DATASET} (bundled, default), a file (.hdf5 .fvecs .bvecs .npy IDX[.gz]),`,
    `                            or gaussian:n=2000,dim=32 / clustered:n=5000,dim=64,clusters=32; repeatable`,
    `  --queries <n>             queries held out from single-matrix files and synthetic sets; first n of a file's (quick default: ${QUICK_QUERIES})`,
    '  --query-file <file>       queries from a file instead; --queries-in-base keeps sampled queries in the base',
    '  --ground-truth <ivecs>    ground truth for the queries (must have one row per query)',
    '  --cache-dir <dir>         where computed ground truth is cached (default $XDG_CACHE_HOME/reef, else ~/.cache/reef;',
    '                            e.g. .reef-cache to keep it in the project); never the dataset\'s folder',
    '  --config <file.yaml|json> sweep described in a file (see apps/sweep/README.md)',
    `  --out <dir>               results folder (default ${DEFAULT_OUT})`,
    '  --db <file>               results database (default <out>/results.db)',
    '  --force                   redo configurations already in the database',
    '  --shard i/N               run slice i of N (1-based)',
    '  --seed <n>                seed for training and sampling (default 1)',
    '  --max-configs <n>         at most n configurations per method, spread over the grid',
    '  --full                    every method\'s defaultGrid instead of the quick run\'s quickGrid',
    '  --quick                   the quick run\'s grids, budget and query count with other options',
    `  --budget <seconds>        end within this long of starting, abandoning what runs then and keeping ${REPORT_RESERVE_SECONDS} s for the report (quick default: ${QUICK_BUDGET_SECONDS}); rerun to continue`,
  '  --plugin <path|package>   load an extra plugin; repeatable',
    '  --no-report / --no-png    skip the report / PNG plots;  --quiet: no progress output',
  '  --debug                   print the stack trace of any failure (also REEF_DEBUG=1)',
  '',
  'Exit status: 0 done, 2 usage, 3 bad input (dataset, config, database, plugin), 70 internal error,',
  '130/143 interrupted (docs/errors.md).',
    '',
    'Ctrl-C finishes the running configuration and stops (twice, or SIGTERM: abandons it); every finished',
    'configuration is saved, and running the same command again continues where it stopped.',
  ];
  if (registry) {
    lines.push('', 'Per-method parameters (comma-separated lists sweep every value):');
    for (const p of registry.quantizers()) {
      for (const s of p.params) {
        const range = s.type === 'enum' ? s.values.join('|') : s.type === 'bool' ? 'true|false' : `${s.type}${s.min !== undefined ? ` ≥${s.min}` : ''}${s.max !== undefined ? ` ≤${s.max}` : ''}`;
        lines.push(`  --${p.id}-${s.name} <${range}>  ${s.description} (default ${s.default})`);
      }
    }
  }
  return lines.join('\n');
}

/**
 * Plugin discovery: this app's dependencies, the user's folder's, and explicit --plugin specs. Run
 * through a package script (`pnpm sweep`), the user's folder is INIT_CWD and the process runs in
 * the package whose script it is: that package's dependencies count too (the workspace root lists
 * the FAISS baselines, which no Reef package depends on).
 */
function registryOptions(io: Io, plugins: readonly string[]): NodeRegistryOptions {
  return { roots: [...new Set([APP_DIR, io.cwd, process.cwd()])], plugins, cwd: io.cwd };
}

/** The sweep's worker-thread pool, one per process (idle workers never keep it alive). */
let computePool: NodeWorkerPool | undefined;

async function registryFor(args: ParsedArgs, io: Io, file?: SweepFile): Promise<Registry> {
  return createNodeRegistry({
    ...registryOptions(io, [...(file?.plugins ?? []), ...(args.options.get('plugin') ?? [])]),
    // What plugins get on this thread: worker threads, and warnings and progress on stderr.
    // Configurations are measured in measure-worker.ts, which provides its own pool.
    // (The sweep's own progress line, sweep.ts, draws plugin work measured in the worker.)
    provide: (r) => r.provide(COMPUTE_POOL, (computePool ??= new NodeWorkerPool())).provide(WARNINGS, new WrittenWarnings(io.err)),
  });
}

function versionsFor(io: Io, pluginSpecs: readonly string[]): (plugin: QuantizerPlugin) => Record<string, string> {
  const dirs = [APP_DIR, io.cwd];
  const local = localPluginVersions(pluginSpecs.map((s) => resolve(io.cwd, s)));
  const common: Record<string, string> = {
    '@reef/sweep': appVersion(),
    '@reef/core': packageVersion('@reef/core', dirs),
    '@reef/datasets': packageVersion('@reef/datasets', dirs),
    node: process.versions.node,
  };
  const cache = new Map<string, Record<string, string>>();
  return (plugin) => {
    const pkg = plugin.packageName ?? plugin.id;
    if (!cache.has(pkg)) cache.set(pkg, { ...common, [pkg]: local.get(pkg) ?? packageVersion(pkg, dirs) });
    return cache.get(pkg)!;
  };
}

/** The per-method options of the installed methods, for strict parsing. */
function methodOptionsOf(registry: Registry): MethodOptions {
  const plugins = registry.quantizers();
  return { names: plugins.flatMap((p) => p.params.map((s) => `${p.id}-${s.name}`)), ids: plugins.map((p) => p.id) };
}

/**
 * The registry (plugins from --plugin and the config file) and the arguments parsed strictly
 * against the options the installed methods declare.
 */
async function withMethods(argv: readonly string[], io: Io): Promise<{ args: ParsedArgs; registry: Registry; file?: SweepFile }> {
  const open = parseArgs(argv);
  const configPath = singleOption(open, 'config');
  const file = configPath ? await readSweepFile(resolve(io.cwd, configPath)) : undefined;
  const registry = await registryFor(open, io, file);
  return { args: parseArgs(argv, methodOptionsOf(registry)), registry, file };
}

async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const { args, registry, file } = await withMethods(argv, io);
  if (args.flags.has('help')) {
    io.out(usage(registry));
    return 0;
  }
  const methodIds = listOption(args, 'methods') ?? file?.methods;
  const methods = selectMethods(registry, methodIds);
  const grids = new Map<string, ParamGrid>();
  for (const [id, grid] of Object.entries(file?.grids ?? {})) grids.set(id, checkGrid(registry.quantizer(id), grid));
  for (const [id, grid] of gridsFromOptions(registry, methods, args.options, GENERIC_OPTIONS)) grids.set(id, { ...grids.get(id), ...grid });
  // With per-method options but no --methods, sweep just the methods the options name.
  const selected = methodIds ?? (grids.size > 0 ? [...grids.keys()] : undefined);
  // The quick run (plugins' quickGrid, time budget, fewer queries) is what `pnpm sweep` does with no
  // method, grid or config given; --methods (even `all`), --full or --max-configs sweep defaultGrid.
  const quick = args.flags.has('quick') || (!args.flags.has('full') && !methodIds && grids.size === 0 && !file && !args.options.has('max-configs'));
  const pluginSpecs = [...(file?.plugins ?? []), ...(args.options.get('plugin') ?? [])];

  const outDir = resolve(io.cwd, singleOption(args, 'out') ?? file?.out ?? DEFAULT_OUT);
  const dbPath = resolve(io.cwd, singleOption(args, 'db') ?? file?.db ?? `${outDir}/results.db`);
  const shardSpec = singleOption(args, 'shard');
  const queryFile = singleOption(args, 'query-file');
  const groundTruth = singleOption(args, 'ground-truth');
  // Not comma-split: synthetic specs contain commas (gaussian:n=2000,dim=32); repeat --dataset instead.
  const datasets = args.options.get('dataset') ?? file?.datasets ?? [DEFAULT_DATASET];
  const result = await runSweep(registry, {
    datasets: datasets.map((d) => (/[/\\.]/.test(d) && !/^(gaussian|clustered)/.test(d) ? resolve(io.cwd, d) : d)),
    methods: selected,
    grids,
    dbPath,
    force: args.flags.has('force'),
    seed: intOption(args, 'seed') ?? file?.seed ?? 1,
    shard: shardSpec ? parseShard(shardSpec) : undefined,
    ...budgetOf(intOption(args, 'budget') ?? (quick ? QUICK_BUDGET_SECONDS : undefined), !args.flags.has('no-report')),
    maxPerMethod: intOption(args, 'max-configs') ?? file?.maxConfigs,
    quick,
    datasetOptions: {
      queryCount: intOption(args, 'queries') ?? file?.queries ?? (quick ? QUICK_QUERIES : undefined),
      queryFile: queryFile && resolve(io.cwd, queryFile),
      groundTruthFile: groundTruth && resolve(io.cwd, groundTruth),
      queriesInBase: args.flags.has('queries-in-base'),
      // Never beside the dataset: $XDG_CACHE_HOME/reef (or ~/.cache/reef), or the folder asked for.
      cacheDir: cacheDirOf(singleOption(args, 'cache-dir'), io.cwd),
    },
    quiet: args.flags.has('quiet'),
    versions: versionsFor(io, pluginSpecs),
    registryOptions: registryOptions(io, pluginSpecs),
    gitCommit: gitCommit(io.cwd),
    host: hostName(),
    log: io.err,
  });
  const baselineOf = baselineMethods(registry);
  // Nothing finished (a double Ctrl-C during the first configuration): no empty table header.
  const table = formatTable(result.rows, baselineOf);
  if (table) io.out(table);
  else io.out('No configuration finished.');
  io.out(`\n${result.ran} configuration(s) run, ${result.alreadyDone} already in the database (use --force to redo).`);
  if (result.deferred > 0) io.out(`${result.deferred} configuration(s) left for the next call: the time budget (--budget) ran out. Run again to continue.`);
  io.out(`Results database: ${dbPath}`);
  if (result.interrupted) {
    // Every finished configuration is already saved (atomically); say how to pick up the rest.
    io.out(`Interrupted (${result.interrupted}): ${result.notRun} configuration(s) not run. Run the same command again to continue; finished configurations are skipped.`);
    io.out(`No report written; draw it from what is done with: reef-sweep report --db ${dbPath}`);
    return SIGNAL_EXIT_CODES[result.interrupted];
  }
  if (!args.flags.has('no-report')) {
    const report = await writeReport(result.rows, outDir, { png: !args.flags.has('no-png'), baselineOf });
    io.out(`Report: ${report.html}`);
  }
  return 0;
}

/** The datasets cache: `<dir>/datasets` of --cache-dir, else @reef/datasets' default (XDG). */
function cacheDirOf(dir: string | undefined, cwd: string): string | undefined {
  return dir === undefined ? undefined : resolve(cwd, dir, 'datasets');
}

/**
 * The budget covers the whole command: it counts from the process's start (performance.timeOrigin),
 * so start-up and loading the dataset use it too, and leaves time for the report.
 */
function budgetOf(seconds: number | undefined, report: boolean): { budgetSeconds?: number; budgetFrom?: number } {
  if (seconds === undefined) return {};
  return { budgetSeconds: Math.max(0, seconds - (report ? REPORT_RESERVE_SECONDS : 0)), budgetFrom: performance.timeOrigin };
}

async function exportCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, NO_METHODS);
  const dbPath = singleOption(args, 'db') ?? args.positionals[1];
  if (!dbPath) throw new ReefError('INVALID_PARAM', 'export needs --db <file>');
  const format = singleOption(args, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new ReefError('INVALID_PARAM', `--format must be csv or json, got '${format}'`);
  const outFile = singleOption(args, 'out');
  const text = await exportResults(resolve(io.cwd, dbPath), format, outFile && resolve(io.cwd, outFile));
  if (outFile) io.out(`Wrote ${resolve(io.cwd, outFile)}`);
  else io.out(text);
  return 0;
}

async function reportCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, NO_METHODS);
  const dbPath = singleOption(args, 'db') ?? args.positionals[1];
  if (!dbPath) throw new ReefError('INVALID_PARAM', 'report needs --db <file>');
  const db = await ResultsDb.open(resolve(io.cwd, dbPath), { create: false });
  const rows = db.rows();
  db.close();
  const outDir = resolve(io.cwd, singleOption(args, 'out') ?? DEFAULT_OUT);
  // Which methods are baselines comes from the installed plugins; without them rows are shown unmarked.
  const baselineOf = baselineMethods(await registryFor(args, io).catch(() => undefined));
  const report = await writeReport(rows, outDir, { png: !args.flags.has('no-png'), baselineOf });
  io.out(`Report: ${report.html}`);
  return 0;
}

async function mergeCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, NO_METHODS);
  const [, out, ...inputs] = args.positionals;
  if (!out || inputs.length === 0) throw new ReefError('INVALID_PARAM', 'usage: reef-sweep merge <out.db> <in.db> [<in.db>...]');
  const summary = await mergeDatabases(resolve(io.cwd, out), inputs.map((p) => resolve(io.cwd, p)));
  io.out(`Merged ${summary.inputs} database(s) into ${resolve(io.cwd, out)}: ${summary.rows} row(s), ${summary.replaced} replaced by newer runs.`);
  return 0;
}

async function methodsCommand(argv: readonly string[], io: Io): Promise<number> {
  const { registry } = await withMethods(argv, io);
  for (const p of registry.quantizers()) {
    const reason = p.unavailable?.();
    io.out(`${p.id}\t${p.label}\t${p.packageName ?? ''}\t${p.summary}${p.baselineOf ? ` (baseline for ${p.baselineOf}; runs only when named)` : ''}${reason ? `\tunavailable: ${reason}` : ''}`);
    for (const s of p.params) io.out(`    --${p.id}-${s.name}\t${s.type}\tdefault ${s.default}\t${s.description}`);
  }
  return 0;
}

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = {
  run: runCommand,
  merge: mergeCommand,
  export: exportCommand,
  report: reportCommand,
  methods: methodsCommand,
};

/** Entry point shared by bin.ts and tests: returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  // A first, open pass finds the command (parsed strictly by the command, once plugins are known).
  const args = parseArgs(argv);
  if (args.flags.has('version')) {
    io.out(appVersion());
    return 0;
  }
  const command = args.positionals[0];
  if (command && COMMANDS[command]) return COMMANDS[command](argv, io);
  if (command) {
    const near = closestName(command, Object.keys(COMMANDS));
    throw new ReefError('USAGE', `unknown command '${command}'${near ? ` (did you mean '${near}'?)` : ''}; commands: ${Object.keys(COMMANDS).join(', ')}`);
  }
  if (args.flags.has('help') && args.options.size === 0) {
    io.out(usage(await registryFor(args, io).catch(() => undefined)));
    return 0;
  }
  return runCommand(argv, io);
}
