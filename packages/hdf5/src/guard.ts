import { ReefError } from '@reef/core/errors';
import { printable as escapeUntrusted } from '@reef/core/printable';

/**
 * The one place where h5wasm is called on files Reef did not write itself. HDF5 reports damage in
 * three ways that must never reach a user as they are: multi-line `HDF5-DIAG` dumps (thrown, and
 * printed on stderr), `RuntimeError: Aborted(...)` when the library gives up (after which the wasm
 * module is unusable), and `RangeError` when a declared size is absurd. `guardH5` silences the
 * library's console output while it runs and turns each into one ReefError line naming the file.
 */

let aborted: string | undefined;

/** True once the HDF5 library aborted in this process: every later h5wasm call would fail too. */
export function h5Aborted(): boolean {
  return aborted !== undefined;
}

/** Bytes from a file (names, HDF5 diagnostics) made safe to print on one line: the escaper all of Reef uses. */
export function printable(text: string, max = 160): string {
  return escapeUntrusted(text, max);
}

/**
 * One line for an HDF5 error. An HDF5-DIAG dump's first line only says that an error was detected:
 * the line is its outermost `#000: ... in FUNC(): what` entry (the call that failed) with the
 * innermost entry's words (the cause) in brackets. Other errors give their first line.
 */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const entries = [...text.matchAll(/#\d+: .*? in (\w+\(\)): (.*)/g)];
  if (entries.length > 0) {
    const [, fn, what] = entries[0];
    const cause = entries[entries.length - 1][2].trim();
    return printable(`${fn}: ${what.trim()}${entries.length > 1 && cause !== what.trim() ? ` (${cause})` : ''}`);
  }
  return printable(text.split('\n')[0].trim());
}

/** What went wrong, in words, for each way h5wasm fails. */
function describe(err: unknown): string {
  if (err instanceof ReefError) return err.message;
  if (err instanceof Error && err.name === 'RuntimeError' && /Aborted/.test(err.message)) {
    return 'the HDF5 library aborted while reading it (the file is corrupt)';
  }
  if (err instanceof Error && /file signature not found/.test(err.message)) return 'not an HDF5 file (no HDF5 signature found)';
  if (err instanceof RangeError) return `a size it declares is too large to allocate (${messageOf(err)}); the file is corrupt or lies about its sizes`;
  return `${messageOf(err)}; the file is corrupt or truncated`;
}

/**
 * Runs `fn` (synchronous h5wasm calls on `path`) with stdout/stderr writes swallowed, and turns any
 * failure into `ReefError('BAD_FILE', '<path>: cannot <doing>: <reason>')`. ReefErrors raised by
 * `fn` itself (a failed size check, say) pass through unchanged.
 */
export function guardH5<T>(path: string, doing: string, fn: () => T): T {
  if (aborted) {
    throw new ReefError('BAD_FILE', `${printable(path)}: cannot ${doing}: the HDF5 library aborted earlier in this process on ${aborted}; start a new process`);
  }
  const restore = silenceOutput();
  try {
    return fn();
  } catch (err) {
    if (err instanceof ReefError) throw err;
    if (err instanceof Error && err.name === 'RuntimeError' && /Aborted/.test(err.message)) aborted = printable(path);
    throw new ReefError('BAD_FILE', `${printable(path)}: cannot ${doing}: ${describe(err)}`, { cause: err });
  } finally {
    restore();
  }
}

/**
 * Swallows writes to Node's stdout/stderr until the returned function is called. In a browser the
 * library's messages go to the console, where they harm nothing: there is nothing to swallow.
 */
function silenceOutput(): () => void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  const stdout = proc?.stdout;
  const stderr = proc?.stderr;
  if (stdout === undefined || stderr === undefined) return () => {};
  const writes = [stdout.write, stderr.write];
  const swallow = ((...args: unknown[]) => {
    const done = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stdout.write;
  stdout.write = swallow;
  stderr.write = swallow;
  return () => {
    stdout.write = writes[0];
    stderr.write = writes[1];
  };
}
