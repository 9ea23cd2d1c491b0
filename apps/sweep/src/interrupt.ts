/**
 * Ctrl-C and SIGTERM during a sweep. The database is saved atomically after every configuration,
 * so stopping is always safe; the question is only how much of the running configuration to keep:
 *
 * - first Ctrl-C (SIGINT): finish the running configuration, record it, start no other;
 * - second Ctrl-C, or SIGTERM (Slurm's scancel and time limit): abandon it at once;
 * - a third signal while still stopping: exit immediately (the database file is whole anyway).
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit status of a process stopped by a signal, as shells report it (128 + signal number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export class Interrupts {
  /** Set once a signal asked the sweep to stop. */
  signal: StopSignal | undefined;
  private count = 0;
  private readonly handlers: Record<StopSignal, () => void>;

  constructor(
    /** Stops the running configuration now (the runner's abandon). */
    private readonly abandon: () => void,
    private readonly log: (line: string) => void,
  ) {
    this.handlers = { SIGINT: () => this.on('SIGINT'), SIGTERM: () => this.on('SIGTERM') };
  }

  install(): void {
    process.on('SIGINT', this.handlers.SIGINT);
    process.on('SIGTERM', this.handlers.SIGTERM);
  }

  remove(): void {
    process.off('SIGINT', this.handlers.SIGINT);
    process.off('SIGTERM', this.handlers.SIGTERM);
  }

  get stopping(): boolean {
    return this.signal !== undefined;
  }

  private on(signal: StopSignal): void {
    this.count++;
    this.signal ??= signal;
    if (this.count >= 3) {
      this.log(`\n${signal} again: exiting now; the results database holds every configuration finished so far.`);
      process.exit(SIGNAL_EXIT_CODES[this.signal]);
    }
    if (signal === 'SIGINT' && this.count === 1) {
      this.log('\nCtrl-C: finishing the running configuration, then stopping (Ctrl-C again abandons it).');
      return;
    }
    this.log(`\n${signal}: abandoning the running configuration and stopping.`);
    this.abandon();
  }
}
