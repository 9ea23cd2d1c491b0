import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';
import { ReefError } from '@reef/core/errors';
import { closestName } from '@reef/core/exit-codes';

/** Options that take no value. */
export const FLAGS: readonly string[] = ['force', 'help', 'no-report', 'no-png', 'queries-in-base', 'quiet', 'quick', 'full', 'version', 'debug'];
/** Options of the runner itself that take a value; every other `--<method>-<param>` is a per-method parameter. */
export const VALUE_OPTIONS: readonly string[] = [
  'methods', 'dataset', 'config', 'db', 'out', 'shard', 'seed', 'plugin', 'queries', 'query-file', 'ground-truth', 'max-configs', 'format', 'budget', 'cache-dir',
];

export interface ParsedArgs {
  readonly positionals: string[];
  /** Every `--name value` (or `--name=value`), in order; repeatable options keep each value. */
  readonly options: Map<string, string[]>;
  readonly flags: Set<string>;
}

/** The per-method options the installed plugins accept, for strict parsing. */
export interface MethodOptions {
  /** `<id>-<param>` for every parameter of every installed method. */
  readonly names: readonly string[];
  /** The installed methods' ids: `--<id>-<anything>` is left to the grid check, which names the method's parameters. */
  readonly ids: readonly string[];
}

/**
 * Parses the sweep's arguments with Node's `util.parseArgs`. The option set is open (per-method
 * parameters come from plugins), so parsing runs twice. Without `methods` (before plugin discovery,
 * to find the command, `--plugin` and `--config`) every `--name` is accepted. With `methods` it is
 * strict: an option that is neither the runner's nor an installed method's is a usage error naming
 * the closest known option.
 */
export function parseArgs(argv: readonly string[], methods?: MethodOptions): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const name of FLAGS) options[name] ??= { type: 'boolean' };
  for (const name of VALUE_OPTIONS) options[name] = { type: 'string', multiple: true };
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  head.forEach((arg, i) => {
    if (!arg.startsWith('--') || arg === '--') return;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    if (options[name]) return;
    if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(name)) throw new ReefError('USAGE', `cannot parse option '${arg}'; see 'reef-sweep --help'`);
    if (methods && !methods.names.includes(name) && !methods.ids.some((id) => name.startsWith(`${id}-`))) {
      const near = closestName(`--${name}`, [...FLAGS, ...VALUE_OPTIONS, ...methods.names].map((n) => `--${n}`));
      throw new ReefError('USAGE', `unknown option --${name}${near ? ` (did you mean ${near}?)` : ''}; see 'reef-sweep --help' for options and per-method parameters`);
    }
    // Before discovery: a name followed by a value takes it; a bare one is a flag, so the strict
    // pass (which knows the plugins) reports it as unknown rather than as missing a value.
    const takesValue = methods !== undefined || eq >= 0 || (i + 1 < head.length && !head[i + 1].startsWith('--'));
    options[name] = takesValue ? { type: 'string', multiple: true } : { type: 'boolean' };
  });
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw usageError(err);
  }
  const result: ParsedArgs = { positionals: [...parsed.positionals], options: new Map(), flags: new Set() };
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === true) result.flags.add(name);
    else if (Array.isArray(value)) result.options.set(name, value.map(String));
  }
  return result;
}

/** util.parseArgs' messages in Reef's words (one line, the option named as typed). */
function usageError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  const code = (err as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new ReefError('USAGE', `unknown option ${option}; see 'reef-sweep --help'`, { cause: err });
  if (/does not take an argument/.test(message)) return new ReefError('USAGE', `option ${option} takes no value`, { cause: err });
  if (/argument is ambiguous/.test(message)) return new ReefError('USAGE', `option ${option} needs a value (one starting with '-' is written ${option}=<value>)`, { cause: err });
  if (/argument missing/.test(message)) return new ReefError('USAGE', `option ${option} needs a value`, { cause: err });
  if (code?.startsWith('ERR_PARSE_ARGS')) return new ReefError('USAGE', `${message.split('\n')[0]}; see 'reef-sweep --help'`, { cause: err });
  return err instanceof Error ? err : new Error(message);
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
