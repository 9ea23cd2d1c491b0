import { ReefError } from './errors.js';

/**
 * Typed parameters a plugin declares. The CLI and the sweep runner build their options, parsing and
 * validation from these declarations, so adding a method never means editing an app.
 */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

interface ParamBase {
  /** Identifier used in code, configs and CLI flags (`--<plugin>-<name>`), e.g. `nbits`. */
  readonly name: string;
  /** One line shown in `--help` and `reef plugins`. */
  readonly description: string;
}
export interface IntParam extends ParamBase {
  readonly type: 'int';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
}
export interface FloatParam extends ParamBase {
  readonly type: 'float';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
}
export interface EnumParam extends ParamBase {
  readonly type: 'enum';
  readonly default: string;
  readonly values: readonly string[];
}
export interface BoolParam extends ParamBase {
  readonly type: 'bool';
  readonly default: boolean;
}
export type ParamSpec = IntParam | FloatParam | EnumParam | BoolParam;

/** A grid: for each parameter, the values to sweep. Parameters left out take their default. */
export type ParamGrid = Record<string, readonly ParamValue[]>;

/**
 * Applies defaults and checks every given value against its declaration. Unknown names, wrong
 * types and out-of-range values are refused with a message naming the plugin, parameter and value.
 * String values (from CLI flags or YAML) are parsed according to the declared type.
 */
export function resolveParams(owner: string, specs: readonly ParamSpec[], given: Record<string, unknown> = {}): Params {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const key of Object.keys(given)) {
    if (!byName.has(key)) {
      const known = specs.map((s) => s.name).join(', ') || '(none)';
      throw new ReefError('UNKNOWN_PARAM', `${owner} has no parameter '${key}'; its parameters are: ${known}`);
    }
  }
  const out: Params = {};
  for (const spec of specs) {
    const raw = given[spec.name];
    out[spec.name] = raw === undefined ? spec.default : coerceParam(owner, spec, raw);
  }
  return out;
}

/** Parses and checks one value against its declaration. */
export function coerceParam(owner: string, spec: ParamSpec, raw: unknown): ParamValue {
  const where = `${owner} parameter '${spec.name}'`;
  switch (spec.type) {
    case 'int':
    case 'float': {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ReefError('INVALID_PARAM', `${where} must be a finite number, got ${JSON.stringify(raw)}`);
      }
      if (spec.type === 'int' && !Number.isInteger(value)) {
        throw new ReefError('INVALID_PARAM', `${where} must be an integer, got ${value}`);
      }
      if (spec.min !== undefined && value < spec.min) {
        throw new ReefError('INVALID_PARAM', `${where} must be at least ${spec.min}, got ${value}`);
      }
      if (spec.max !== undefined && value > spec.max) {
        throw new ReefError('INVALID_PARAM', `${where} must be at most ${spec.max}, got ${value}`);
      }
      return value;
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values.includes(raw)) {
        throw new ReefError(
          'INVALID_PARAM',
          `${where} must be one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`,
        );
      }
      return raw;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw new ReefError('INVALID_PARAM', `${where} must be true or false, got ${JSON.stringify(raw)}`);
    }
  }
}

/** Expands a grid into every combination, in a stable order (first parameter varies slowest). */
export function expandGrid(specs: readonly ParamSpec[], grid: ParamGrid): Record<string, ParamValue>[] {
  let combos: Record<string, ParamValue>[] = [{}];
  for (const spec of specs) {
    const values = grid[spec.name];
    if (!values || values.length === 0) continue;
    const next: Record<string, ParamValue>[] = [];
    for (const combo of combos) for (const v of values) next.push({ ...combo, [spec.name]: v });
    combos = next;
  }
  return combos;
}

/**
 * A readable name for a configuration, e.g. `PQ(m=8, nbits=8)`. Parameters equal to their
 * default are left out unless `all` is set, so names stay short in plot legends.
 */
export function configName(label: string, specs: readonly ParamSpec[], params: Params, all = false): string {
  const parts: string[] = [];
  for (const spec of specs) {
    const v = params[spec.name];
    if (v === undefined) continue;
    if (!all && v === spec.default) continue;
    parts.push(`${spec.name}=${v}`);
  }
  return `${label}(${parts.join(', ')})`;
}
