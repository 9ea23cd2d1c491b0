/**
 * Progress of long work: the reporter interface the PROGRESS service implements, and the two
 * renderings hosts use: lines for logs (WrittenProgress) and one redrawn status line on a
 * terminal (TerminalProgress), shared by the reef CLI and the sweep so both look and behave alike.
 * Browser-safe: the terminal is any object with `write` (and `isTTY`, `columns`).
 */
import { ReefError } from './errors.js';

/** How much of a task is done, in its own unit: bytes get a rate in MB/s, items a count. */
export interface ProgressAmount {
  readonly done: number;
  readonly total: number;
  readonly unit: 'bytes' | 'items';
}

/** Where long-running work reports how far it got. */
export interface ProgressReporter {
  /**
   * `fraction` in [0, 1] of the task named `label` (NaN: under way, how far not known). A task
   * ends at 1. `amount`, when known, says what the fraction counts (bytes for a rate).
   */
  report(fraction: number, label: string, amount?: ProgressAmount): void;
}

/** Progress that goes nowhere (the default). */
export const SILENT_PROGRESS: ProgressReporter = Object.freeze({ report: () => {} });

/**
 * Progress written as lines, e.g. to a CLI's stderr: `label: 40%`, one line each time a task
 * crosses another `step` (default 10%), and at 100%, so a long run says where it is without flooding.
 */
export class WrittenProgress implements ProgressReporter {
  private readonly shown = new Map<string, number>();
  constructor(
    private readonly write: (line: string) => void,
    private readonly step = 0.1,
  ) {
    if (!(step > 0 && step <= 1)) throw new ReefError('INVALID_PARAM', `WrittenProgress: step must be in (0, 1], got ${step}`);
  }
  report(fraction: number, label: string): void {
    if (!Number.isFinite(fraction)) return;
    const f = Math.min(1, Math.max(0, fraction));
    const bucket = f === 1 ? Infinity : Math.floor(f / this.step);
    if (bucket <= (this.shown.get(label) ?? -1)) return;
    this.shown.set(label, bucket);
    // A new run of the same task starts its count again.
    if (f === 1) this.shown.delete(label);
    this.write(`${label}: ${Math.round(f * 100)}%`);
  }
}

/** What TerminalProgress draws on: process.stderr, or anything that looks like it. */
export interface TerminalLike {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface TerminalProgressOptions {
  /** Least time between two redraws of the same task (default 100 ms): drawing costs the work time. */
  readonly redrawMs?: number;
  /** The clock, in ms (tests). */
  readonly now?: () => number;
}

interface Task {
  readonly started: number;
  fraction: number;
  amount?: ProgressAmount;
}

/**
 * One status line on a terminal, redrawn in place (`\r`, erase line): the task's label, a bar, the
 * percentage, bytes done of the total with the rate, and an ETA extrapolated from the task's own
 * elapsed time and fraction (shown once a second of it has passed, so it is never a guess from
 * nothing). The line is erased when the task ends, so the command's own output is all that stays.
 * `note()` prints a permanent line above it. Draws only on a terminal: use `TerminalProgress.for`
 * to get silence when the stream is piped or the user asked for quiet.
 */
export class TerminalProgress implements ProgressReporter {
  private readonly tasks = new Map<string, Task>();
  private current: string | undefined;
  private lastDraw = -Infinity;
  private drawn = false;
  private prefix = '';
  private readonly redrawMs: number;
  private readonly now: () => number;

  constructor(private readonly stream: TerminalLike, options: TerminalProgressOptions = {}) {
    this.redrawMs = options.redrawMs ?? 100;
    this.now = options.now ?? (() => Date.now());
  }

  /** A TerminalProgress when `stream` is a terminal and not `quiet`, else undefined (draw nothing). */
  static for(stream: TerminalLike, quiet = false, options: TerminalProgressOptions = {}): TerminalProgress | undefined {
    return stream.isTTY && !quiet ? new TerminalProgress(stream, options) : undefined;
  }

  report(fraction: number, label: string, amount?: ProgressAmount): void {
    const t = this.now();
    let task = this.tasks.get(label);
    const f = Number.isNaN(fraction) ? NaN : Math.min(1, Math.max(0, fraction));
    // A task that goes backwards is a new run of it (the next file, the next configuration).
    if (!task || (Number.isFinite(f) && Number.isFinite(task.fraction) && f < task.fraction)) {
      task = { started: t, fraction: f };
      this.tasks.set(label, task);
    }
    task.fraction = f;
    task.amount = amount;
    if (f === 1) {
      this.tasks.delete(label);
      if (this.current === label) {
        this.clear();
        this.current = undefined;
      }
      return;
    }
    const switched = this.current !== label;
    this.current = label;
    if (switched || t - this.lastDraw >= this.redrawMs) this.draw(t);
  }

  /**
   * Text shown before the task's label, e.g. the host's overall count and ETA; not part of the
   * task's identity, so changing it does not restart the task's own ETA. Drawn with the next report.
   */
  setPrefix(text: string): void {
    this.prefix = text === '' ? '' : `${text} `;
  }

  /** Prints `line` for good (above the status line, which is redrawn under it). */
  note(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    if (this.current !== undefined) this.draw(this.now());
  }

  /** Erases the status line (before the command prints its results). */
  clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  /** The status line of the current task, as drawn (without the control characters). */
  line(at = this.now()): string {
    const label = this.current;
    const task = label === undefined ? undefined : this.tasks.get(label);
    if (label === undefined || !task) return '';
    const elapsed = (at - task.started) / 1000;
    if (!Number.isFinite(task.fraction)) return `${this.prefix}${label}  ${formatDuration(elapsed)}`;
    const parts = [`${this.prefix}${label}`, bar(task.fraction, 20), `${String(Math.floor(task.fraction * 100)).padStart(3)}%`];
    const a = task.amount;
    if (a?.unit === 'bytes') {
      parts.push(`${formatSize(a.done)}/${formatSize(a.total)}`);
      if (elapsed >= 1) parts.push(`${formatSize(a.done / elapsed)}/s`);
    } else if (a) parts.push(`${a.done}/${a.total}`);
    parts.push(elapsed >= 1 && task.fraction > 0 ? `ETA ${formatDuration((elapsed * (1 - task.fraction)) / task.fraction)}` : 'ETA --:--');
    return parts.join('  ');
  }

  private draw(at: number): void {
    const text = this.line(at);
    if (text === '') return;
    // A terminal of unknown width (0: e.g. under `script` without a size) gets 100 columns.
    const cols = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 100;
    this.stream.write(`\r\x1b[K${text.slice(0, cols - 1)}`);
    this.drawn = true;
    this.lastDraw = at;
  }
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(width * fraction);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** Bytes as B, KiB, MiB, GiB (binary units, one decimal). */
export function formatSize(bytes: number): string {
  if (!(bytes >= 1024)) return `${Math.round(Math.max(0, bytes))} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
