import { isReefError, type ReefErrorCode } from './errors.js';
import { printable } from './printable.js';

/**
 * The exit status of `reef` and `reef-sweep`, one per class of failure, so scripts and Slurm jobs
 * can tell "fix the command line" from "fix the file", "look at the repository" and "report a bug"
 * without reading the message. docs/errors.md is this table for users; keep the two together.
 */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** A check ran and found problems (`reef fsck` on a damaged repository). */
  checkFailed: 1,
  /** The command line is wrong: unknown command or option, missing or malformed value, unknown method, parameter or revision. */
  usage: 2,
  /** An input is missing, unreadable or malformed: a model, dataset, config, plugin or results file, or data that cannot be used. */
  badInput: 3,
  /** The repository cannot do it: not inside one, locked by another command, or damaged. */
  repository: 4,
  /** A bug in Reef or a plugin; `--debug` (or REEF_DEBUG=1) prints the stack trace. */
  internal: 70,
  /** Stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM (Slurm's scancel and time limit): 128 + 15. */
  terminated: 143,
} as const;

export type ExitClass = keyof typeof EXIT_CODES;

/** The class of each ReefError code. A code missing here is internal, so a new code must be placed. */
const CLASS_OF: Readonly<Record<ReefErrorCode, ExitClass>> = {
  USAGE: 'usage',
  INVALID_PARAM: 'usage',
  UNKNOWN_PARAM: 'usage',
  UNKNOWN_PLUGIN: 'usage',
  BAD_FILE: 'badInput',
  BAD_TENSOR: 'badInput',
  BAD_MODEL: 'badInput',
  BAD_CODES: 'badInput',
  DIMENSION_MISMATCH: 'badInput',
  NON_FINITE: 'badInput',
  EMPTY_DATA: 'badInput',
  TOO_FEW_POINTS: 'badInput',
  UNSUPPORTED: 'badInput',
  PLUGIN_LOAD: 'badInput',
  PLUGIN_API_VERSION: 'badInput',
  DUPLICATE_PLUGIN: 'badInput',
  REPOSITORY: 'repository',
  LOCKED: 'repository',
  NOT_TRAINED: 'internal',
  MISSING_SERVICE: 'internal',
};

/** What a host prints and returns for an error that ended a command. */
export interface Failure {
  readonly exitClass: ExitClass;
  readonly exitCode: number;
  /** The message, each line escaped (untrusted bytes never reach the terminal raw). */
  readonly lines: readonly string[];
  /** Not a refusal of bad input but a bug: the stack trace is what a report needs. */
  readonly internal: boolean;
}

/** Node's errors for a path that cannot be opened, as one line: a safety net for reads outside Reef's own checks. */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a parent is not a folder)',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENAMETOOLONG: 'file name too long',
};

/**
 * "no such file: <path>" (or "permission denied: <path>", ...) for Node's error on opening `path`;
 * undefined for other errors. Every reader of a user's file words these the same way.
 */
export function fileProblem(err: unknown, path: string): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && FILE_ERRORS[code] !== undefined ? `${FILE_ERRORS[code]}: ${printable(path)}` : undefined;
}

/** Classifies an error that ended a command: its exit code and the lines to print (without prefix). */
export function describeFailure(err: unknown): Failure {
  const lines = (text: string): string[] => text.split('\n').map((line) => printable(line, 2000));
  if (isReefError(err)) {
    const exitClass = CLASS_OF[err.code] ?? 'internal';
    return { exitClass, exitCode: EXIT_CODES[exitClass], lines: lines(err.message), internal: exitClass === 'internal' };
  }
  const path = (err as { path?: unknown } | undefined)?.path;
  const problem = typeof path === 'string' ? fileProblem(err, path) : undefined;
  if (problem) return { exitClass: 'badInput', exitCode: EXIT_CODES.badInput, lines: [problem], internal: false };
  const first = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err);
  return { exitClass: 'internal', exitCode: EXIT_CODES.internal, lines: [`internal error: ${printable(first, 500)}`], internal: true };
}

/** True when the user asked for stack traces: `--debug` among the arguments or REEF_DEBUG set to anything but "" or "0". */
export function debugRequested(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  const flag = env.REEF_DEBUG;
  if (flag !== undefined && flag !== '' && flag !== '0') return true;
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--debug');
}

/**
 * The stack trace of an error and of each error in its `cause` chain, for `--debug`. Stacks can
 * quote untrusted text (messages name files), so each line is escaped too.
 */
export function debugTrace(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 8; depth++) {
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    out.push(...(depth > 0 ? ['caused by:'] : []), ...text.split('\n').map((line) => printable(line, 2000)));
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

/**
 * The candidate closest to `name` (an option or command the user mistyped), or undefined when none
 * is close: within an edit distance of about a third of the name's length (at least 2), or a
 * candidate that starts with what was typed.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(2, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = c.startsWith(name) && name.length >= 2 ? 1 : editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The text a host prints on stderr for an error that ended a command, and its exit code: one line
 * `<program>: <problem>` (a message's further lines, such as a list of reasons, indented under it);
 * an internal error says how to get its stack trace, which `debug` adds to any failure.
 */
export function formatFailure(err: unknown, program: string, debug: boolean): { exitCode: number; lines: string[] } {
  const f = describeFailure(err);
  const [first, ...rest] = f.lines;
  const lines = [`${program}: ${first}${f.internal && !debug ? ' (a bug: rerun with --debug or REEF_DEBUG=1 for the stack trace, and report it)' : ''}`, ...rest.map((l) => `  ${l}`)];
  if (debug) lines.push(...debugTrace(err));
  return { exitCode: f.exitCode, lines };
}
