import { ReefError } from '@reef/core';

/** Options that take no value. */
export const FLAGS = new Set(['force', 'help', 'no-report', 'no-png', 'queries-in-base', 'quiet', 'quick', 'full', 'version']);

export interface ParsedArgs {
  readonly positionals: string[];
  /** Every `--name value` (or `--name=value`), in order; repeatable options keep each value. */
  readonly options: Map<string, string[]>;
  readonly flags: Set<string>;
}

/** A small argv parser: the option set is open because per-method options come from plugins. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(name)) throw new ReefError('INVALID_PARAM', `cannot parse option '${arg}'`);
    if (FLAGS.has(name)) {
      if (eq >= 0) throw new ReefError('INVALID_PARAM', `option --${name} takes no value`);
      flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined) throw new ReefError('INVALID_PARAM', `option --${name} needs a value`);
    const list = options.get(name) ?? [];
    list.push(value);
    options.set(name, list);
  }
  return { positionals, options, flags };
}

/** Splits comma-separated values of a (possibly repeated) option. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.options.get(name);
  return raw?.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export function singleOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.options.get(name);
  if (raw && raw.length > 1) throw new ReefError('INVALID_PARAM', `option --${name} was given ${raw.length} times; give it once`);
  return raw?.[0];
}

export function intOption(args: ParsedArgs, name: string): number | undefined {
  const raw = singleOption(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ReefError('INVALID_PARAM', `option --${name} must be a non-negative integer, got '${raw}'`);
  return n;
}
