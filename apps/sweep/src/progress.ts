/**
 * Progress on stderr: a redrawn bar with an ETA on a terminal, one line per finished run otherwise
 * (logs of Slurm jobs and CI stay readable).
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(private readonly total: number, private readonly stream: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    this.tty = Boolean(stream.isTTY) && !quiet;
  }

  /** ETA from the mean time of finished runs; unknown before the first one finishes. */
  eta(): string {
    if (this.done === 0) return '--:--';
    const perRun = (Date.now() - this.started) / this.done;
    return clock((perRun * (this.total - this.done)) / 1000);
  }

  update(label: string, phase: string): void {
    if (!this.tty) return;
    const width = 24;
    const filled = Math.round((width * this.done) / Math.max(1, this.total));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const text = `${bar} ${this.done}/${this.total} ETA ${this.eta()}  ${label} ${phase}`;
    const cols = this.stream.columns ?? 100;
    this.stream.write(`\r\x1b[K${text.slice(0, cols - 1)}`);
  }

  finish(label: string, outcome: string): void {
    this.done++;
    if (this.quiet) return;
    const line = `[${this.done}/${this.total}] ${label}: ${outcome} (elapsed ${clock((Date.now() - this.started) / 1000)}, ETA ${this.eta()})`;
    this.stream.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  }
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
