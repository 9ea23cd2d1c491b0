import { createHash } from 'node:crypto';
import {
  coerceParam, configName, expandGrid, ReefError, resolveParams,
  type ParamGrid, type ParamValue, type Params, type QuantizerPlugin, type Registry,
} from '@reef/core';

/** One configuration to run (or skip, with the reason) on one dataset. */
export interface PlannedRun {
  readonly plugin: QuantizerPlugin;
  readonly params: Params;
  readonly name: string;
  /** Stable id of (dataset, method, params, seed): the results database's primary key. */
  readonly key: string;
  /** Set when plugin.validate refused the combination for this dataset's dimension. */
  readonly invalid?: string;
}

export interface MethodGrid {
  readonly plugin: QuantizerPlugin;
  readonly grid: ParamGrid;
  /** True when the user gave the grid (CLI or config); false for the plugin's defaultGrid. */
  readonly explicit: boolean;
}

/** Resolves `--methods` (ids, or `all`) against the registry; unknown ids get the registry's hint. */
export function selectMethods(registry: Registry, ids: readonly string[] | undefined): QuantizerPlugin[] {
  const installed = registry.quantizers();
  if (installed.length === 0) {
    throw new ReefError('UNKNOWN_PLUGIN', 'no quantizer plugins are installed; add @reef/quantizer-* packages or load one with --plugin <path|package>');
  }
  // Baselines (another library's implementation, e.g. FAISS) run only when named: `all` and the quick
  // run mean the installed methods themselves.
  if (!ids || ids.length === 0 || ids.includes('all')) return installed.filter((q) => !q.baselineOf);
  return [...new Set(ids)].map((id) => registry.quantizer(id));
}

/**
 * Drops the methods that cannot run here (`unavailable()` gives a reason, e.g. FAISS not installed),
 * telling `log` why, so a sweep naming them still runs the others.
 */
export function availableMethods(methods: readonly QuantizerPlugin[], log: (line: string) => void): QuantizerPlugin[] {
  return methods.filter((plugin) => {
    const reason = plugin.unavailable?.();
    if (reason) log(`${plugin.id}: skipped, not available here: ${reason}`);
    return !reason;
  });
}

/**
 * Reads per-method options `--<method>-<param> v1,v2` for the selected plugins. Options naming a
 * registered method but no declared parameter are errors; so are options matching no method.
 */
export function gridsFromOptions(
  registry: Registry,
  methods: readonly QuantizerPlugin[],
  options: ReadonlyMap<string, readonly string[]>,
  generic: ReadonlySet<string>,
): Map<string, ParamGrid> {
  const grids = new Map<string, Record<string, ParamValue[]>>();
  const plugins = [...registry.quantizers()].sort((a, b) => b.id.length - a.id.length); // longest id first: `pq-` vs `opq-`
  for (const [option, rawValues] of options) {
    if (generic.has(option)) continue;
    const plugin = plugins.find((p) => option.startsWith(`${p.id}-`));
    if (!plugin) throw new ReefError('INVALID_PARAM', `unknown option --${option}; see reef-sweep --help for options and per-method parameters`);
    const paramName = option.slice(plugin.id.length + 1);
    const spec = plugin.params.find((s) => s.name === paramName);
    if (!spec) {
      throw new ReefError('UNKNOWN_PARAM', `${plugin.id} has no parameter '${paramName}' (from --${option}); its parameters are: ${plugin.params.map((s) => s.name).join(', ') || '(none)'}`);
    }
    if (!methods.includes(plugin)) {
      throw new ReefError('INVALID_PARAM', `--${option} is given but method '${plugin.id}' is not selected by --methods`);
    }
    const values = rawValues.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw new ReefError('INVALID_PARAM', `--${option} needs at least one value (e.g. --${option} ${spec.default})`);
    const grid = grids.get(plugin.id) ?? {};
    grid[paramName] = values.map((v) => coerceParam(plugin.id, spec, v));
    grids.set(plugin.id, grid);
  }
  return grids;
}

/** Checks a grid from a config file: known parameters, values of the declared types. */
export function checkGrid(plugin: QuantizerPlugin, grid: Record<string, unknown>): ParamGrid {
  const out: Record<string, ParamValue[]> = {};
  for (const [name, raw] of Object.entries(grid ?? {})) {
    const spec = plugin.params.find((s) => s.name === name);
    if (!spec) throw new ReefError('UNKNOWN_PARAM', `${plugin.id} has no parameter '${name}'; its parameters are: ${plugin.params.map((s) => s.name).join(', ') || '(none)'}`);
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) throw new ReefError('INVALID_PARAM', `${plugin.id} parameter '${name}' has an empty list of values; give at least one or leave it out for the default`);
    out[name] = list.map((v) => coerceParam(plugin.id, spec, v));
  }
  return out;
}

export function runKey(dataset: string, method: string, params: Params, seed: number): string {
  const canonical = JSON.stringify([dataset, method, Object.keys(params).sort().map((k) => [k, params[k]]), seed]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 20);
}

/** Picks at most `limit` items spread evenly over the list (first and last included). */
export function spread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  if (limit <= 1) return items.slice(0, Math.max(0, limit));
  const picked: T[] = [];
  for (let i = 0; i < limit; i++) picked.push(items[Math.round((i * (items.length - 1)) / (limit - 1))]);
  return [...new Set(picked)];
}

/**
 * A configuration's name for logs, tables and legends, e.g. `PQ(m=8, nbits=8)`: the parameters the
 * grid sweeps, even at their default, plus any other that differs from its default.
 */
export function readableName(plugin: QuantizerPlugin, grid: ParamGrid, params: Params): string {
  const shown = plugin.params.filter((s) => (grid[s.name]?.length ?? 0) > 0 || params[s.name] !== s.default);
  return configName(plugin.label, shown, params, true);
}

/**
 * Expands each method's grid into configurations for a dataset of dimension `dim`. Combinations
 * the plugin's validate refuses are kept, marked invalid with its reason. With `maxPerMethod`,
 * only that many valid configurations per method are kept, spread over the grid.
 */
export function planRuns(grids: readonly MethodGrid[], dataset: string, dim: number, seed: number, maxPerMethod?: number): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const { plugin, grid } of grids) {
    const seen = new Set<string>();
    const valid: PlannedRun[] = [];
    const invalid: PlannedRun[] = [];
    for (const combo of expandGrid(plugin.params, grid)) {
      const params = resolveParams(plugin.id, plugin.params, combo);
      const key = runKey(dataset, plugin.id, params, seed);
      if (seen.has(key)) continue;
      seen.add(key);
      const reason = plugin.validate?.(params, dim);
      const run: PlannedRun = { plugin, params, name: readableName(plugin, grid, params), key, invalid: reason };
      (reason ? invalid : valid).push(run);
    }
    out.push(...(maxPerMethod ? spread(valid, maxPerMethod) : valid), ...invalid);
  }
  return out;
}
