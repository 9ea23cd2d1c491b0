import { SILENT_PROGRESS, TerminalProgress, formatDuration, type ProgressReporter, type TerminalLike } from '@reef/core';

/**
 * The time the sweep has left, learned from the configurations that finished: each one still to
 * run is expected to take as long as the last finished one of its method (grids grow in cost), or,
 * for a method with none finished yet, the mean of all finished ones. Unknown before the first.
 */
export class EtaModel {
  private readonly last = new Map<string, number>();
  private sum = 0;
  private count = 0;

  /** A configuration of `method` finished in `seconds`. */
  finished(method: string, seconds: number): void {
    this.last.set(method, seconds);
    this.sum += seconds;
    this.count++;
  }

  /** Seconds the configurations of these methods will take (the running one: less what it ran); undefined before any finished. */
  remaining(methods: readonly string[], runningFor = 0, runningAtLeast = 0): number | undefined {
    if (this.count === 0) return undefined;
    const mean = this.sum / this.count;
    let total = 0;
    for (const [i, m] of methods.entries()) {
      const expect = this.last.get(m) ?? mean;
      total += i === 0 ? Math.max(runningAtLeast, expect - runningFor) : expect;
    }
    return total;
  }

  /** Whether every method given has a finished configuration of its own. */
  knows(methods: readonly string[]): boolean {
    return methods.every((m) => this.last.has(m));
  }
}

/**
 * The sweep's progress on stderr. On a terminal: one status line (core's TerminalProgress, the
 * same as the reef CLI's) saying how many configurations are done, the time left and the running
 * configuration's phase with its own bar while it fits; each finished configuration stays as a
 * line above it. Otherwise one line per finished configuration (logs of Slurm jobs and CI stay
 * readable) and nothing else. `quiet`: nothing at all.
 */
export class Progress {
  private done = 0;
  private total = 0;
  private readonly started: number;
  private readonly terminal: TerminalProgress | undefined;
  private readonly eta = new EtaModel();
  private running: { label: string; method: string; since: number; phase: string; phaseSince: number; fraction?: number } | undefined;
  /** The task shown on the status line, ended when its configuration ends. */
  private shown: string | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** The methods of the configurations not finished yet, in run order (the running one first). */
  private queue: string[] = [];

  /** When the sweep must end (ms, same clock), if a time budget applies. */
  deadline: number | undefined;

  constructor(
    private readonly stream: TerminalLike = process.stderr,
    private readonly quiet = false,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.started = now();
    this.terminal = TerminalProgress.for(stream, quiet, { now });
  }

  /** Where loading and ground truth report (the status line on a terminal, else nowhere). */
  get reporter(): ProgressReporter {
    return this.terminal ?? SILENT_PROGRESS;
  }

  /** The configurations to run, by their methods in run order: the count and the ETA's queue. */
  plan(methods: readonly string[]): void {
    this.total = methods.length;
    this.queue = [...methods];
  }

  /** Time left as shown: `~1:05`, `≤0:32 (budget)` when the budget ends first, `--:--` before any finished. */
  timeLeft(): string {
    const at = this.now();
    const r = this.running;
    const runningFor = r ? (at - r.since) / 1000 : 0;
    // The running fit's own extrapolation, once it has run a second: the configuration takes at least that.
    const phaseFor = r ? (at - r.phaseSince) / 1000 : 0;
    const fitLeft = r?.fraction && phaseFor >= 1 ? (phaseFor * (1 - r.fraction)) / r.fraction : 0;
    const left = this.eta.remaining(this.queue, runningFor, fitLeft);
    const budget = this.deadline === undefined ? undefined : Math.max(0, (this.deadline - at) / 1000);
    if (left === undefined) return budget === undefined ? '--:--' : `≤${formatDuration(budget)} (budget)`;
    if (budget !== undefined && budget < left) return `≤${formatDuration(budget)} (budget)`;
    return `${this.eta.knows(this.queue) ? '' : '~'}${formatDuration(left)}`;
  }

  /** A configuration starts. */
  start(label: string, method: string): void {
    this.running = { label, method, since: this.now(), phase: '', phaseSince: this.now() };
    // The main thread is free while the worker measures: redraw each second, so the phase's
    // elapsed time and the ETA move even when a phase reports nothing (encode, search).
    if (this.terminal && !this.ticker) {
      this.ticker = setInterval(() => {
        const r = this.running;
        if (r && r.phase !== '') this.update(r.label, r.phase, r.fraction);
      }, 1000);
      this.ticker.unref();
    }
  }

  /** The running configuration's phase ('fit', 'encode', ...), with how far it got when known. */
  update(label: string, phase: string, fraction?: number): void {
    if (!this.terminal) return;
    if (this.running?.label !== label) this.start(label, this.running?.method ?? '');
    const r = this.running!;
    if (r.phase !== phase) Object.assign(r, { phase, phaseSince: this.now() });
    r.fraction = fraction;
    this.terminal.setPrefix(`${this.done}/${this.total} done, ETA ${this.timeLeft()} ·`);
    if (this.shown !== `${label} ${phase}`) this.endShown(); // the previous phase is over
    this.shown = `${label} ${phase}`;
    this.terminal.report(fraction ?? Number.NaN, this.shown);
  }

  /** A configuration ended (`method` and its run time feed the ETA when it ran to the end). */
  finish(label: string, outcome: string, method?: string, seconds?: number): void {
    this.done++;
    if (method !== undefined) {
      this.drop(method);
      if (seconds !== undefined) this.eta.finished(method, seconds);
    }
    this.running = undefined;
    this.endShown();
    if (this.quiet) return;
    const line = `[${this.done}/${this.total}] ${label}: ${outcome} (elapsed ${formatDuration((this.now() - this.started) / 1000)}, ETA ${this.timeLeft()})`;
    if (this.terminal) this.terminal.note(line);
    else this.stream.write(`${line}\n`);
  }

  /** A configuration was stopped but stays queued (tried again later): said, not counted. */
  note(label: string, text: string): void {
    this.running = undefined;
    this.endShown();
    if (this.quiet) return;
    const line = `[${this.done}/${this.total}] ${label}: ${text}`;
    if (this.terminal) this.terminal.note(line);
    else this.stream.write(`${line}\n`);
  }

  /** A configuration of `method` will not run in this call (left for the next): out of the ETA. */
  drop(method: string): void {
    const i = this.queue.indexOf(method);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Takes the status line down (before the results table is printed). */
  close(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.endShown();
    this.terminal?.clear();
  }

  private endShown(): void {
    if (this.shown !== undefined) this.terminal?.report(1, this.shown);
    this.shown = undefined;
  }
}
