import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTimeMs } from './cpu-time.js';
import type { ReaderName } from './seeds.js';

/** One file to read, and how it was made (for the tables and for rebuilding a failure). */
export interface FuzzCase {
  readonly id: number;
  readonly reader: ReaderName;
  readonly path: string;
  /** e.g. `npz-deflated`, or the regression file's name. */
  readonly label: string;
  /** e.g. `size-lie`, or `regression`. */
  readonly mutation: string;
}

/**
 * How a reader handled a file. Only the first two are allowed: a clear one-line ReefError, or the
 * file accepted and read back exactly. The rest fail the suite.
 */
export type Outcome = 'clean error' | 'accepted' | 'crash' | 'hang' | 'over memory' | 'round-trip mismatch';

export const OUTCOMES: readonly Outcome[] = ['clean error', 'accepted', 'crash', 'hang', 'over memory', 'round-trip mismatch'];
export const FAILURES: readonly Outcome[] = ['crash', 'hang', 'over memory', 'round-trip mismatch'];

export interface CaseReport {
  readonly id: number;
  readonly outcome: Outcome;
  /** The error message, what was accepted, or why the case failed. */
  readonly detail: string;
  readonly ms: number;
  /** Peak resident memory of the worker after the case, and how much the case raised it (bytes). */
  readonly peakRss: number;
  readonly peakRssGrowth: number;
}

export interface RunOptions {
  /** Child processes reading cases side by side (default 2). */
  readonly workers?: number;
  /**
   * A case that has used this much CPU time is a hang: its worker is killed (default 20 s). Where
   * CPU time cannot be read (no /proc), or a case sits idle, it is wall time, ten times as long.
   */
  readonly caseTimeoutMs?: number;
  /** A worker whose resident memory passes this is killed and its case is over memory (default 768 MiB). */
  readonly rssCapBytes?: number;
  /** The readers' memory budget: declared sizes above it must be refused (default 64 MiB). */
  readonly memoryBudget?: number;
}

const WORKER = fileURLToPath(new URL('../dist/worker.js', import.meta.url)); // from src/ (tests) and dist/ alike

/** Current resident memory of a process, from /proc (Linux); undefined elsewhere. */
function residentBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `queue` in one worker after another: a hang or memory blow-up kills the worker (the case is
 * reported as such), a crash of the process is reported against the case it was reading, and a
 * fresh worker carries on with the rest.
 */
async function drain(queue: FuzzCase[], options: Required<RunOptions>, scratch: string, report: (r: CaseReport) => void): Promise<void> {
  while (queue.length > 0) {
    const batch = join(scratch, `batch-${queue[0].id}.json`);
    writeFileSync(batch, JSON.stringify(queue));
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, ['--no-warnings', WORKER, batch, String(options.memoryBudget)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let current: number | undefined;
      let killedFor: 'hang' | 'over memory' | undefined;
      let peak = 0;
      let stdout = '';
      let stderr = '';
      let noisy: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finishCase = (r: CaseReport): void => {
        const i = queue.findIndex((c) => c.id === r.id);
        if (i >= 0) queue.splice(i, 1);
        current = undefined;
        report(r);
      };
      const kill = (why: 'hang' | 'over memory'): void => {
        if (killedFor) return;
        killedFor = why;
        child.kill('SIGKILL');
      };
      // CPU time at the start of the current case: a hang is judged by the CPU the case used, so
      // that waiting for a core on a busy machine is not one (wall time is the fallback, 10x).
      let cpuAtStart: number | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        cpuAtStart = child.pid === undefined ? undefined : cpuTimeMs(child.pid);
        timer = setTimeout(() => kill('hang'), cpuAtStart === undefined ? options.caseTimeoutMs : 10 * options.caseTimeoutMs);
      };
      arm(); // a worker that never gets to its first case is caught too
      const poll = setInterval(() => {
        const rss = child.pid === undefined ? undefined : residentBytes(child.pid);
        if (rss !== undefined) peak = Math.max(peak, rss);
        if (rss !== undefined && rss > options.rssCapBytes) kill('over memory');
        const cpu = child.pid === undefined ? undefined : cpuTimeMs(child.pid);
        if (cpu !== undefined && cpuAtStart !== undefined && cpu - cpuAtStart > options.caseTimeoutMs) kill('hang');
      }, 25);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        let nl: number;
        while ((nl = stdout.indexOf('\n')) >= 0) {
          const line = stdout.slice(0, nl);
          stdout = stdout.slice(nl + 1);
          let event: { start?: number } & CaseReport;
          try {
            event = JSON.parse(line) as { start?: number } & CaseReport;
          } catch {
            noisy = `printed to stdout: ${JSON.stringify(line.slice(0, 200))}`; // a reader's own output leaked
            continue;
          }
          if (event.start !== undefined) {
            current = event.start;
            peak = 0;
            arm();
          } else {
            const overCap = Math.max(peak, event.peakRss) > options.rssCapBytes;
            if (overCap) finishCase({ ...event, outcome: 'over memory', detail: `peak RSS ${Math.max(peak, event.peakRss)} bytes; ${event.detail}` });
            else if (noisy) finishCase({ ...event, outcome: 'crash', detail: noisy });
            else finishCase(event);
            noisy = undefined;
          }
        }
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        clearInterval(poll);
        if (current !== undefined) {
          const detail = killedFor === 'hang'
            ? `still running after ${cpuAtStart === undefined ? `${options.caseTimeoutMs} ms` : `${options.caseTimeoutMs} ms of CPU time (or ${10 * options.caseTimeoutMs} ms of wall time)`}`
            : killedFor === 'over memory'
              ? `resident memory passed ${options.rssCapBytes} bytes`
              : `worker exited (${signal ?? `code ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`;
          finishCase({ id: current, outcome: killedFor ?? 'crash', detail, ms: 0, peakRss: peak, peakRssGrowth: 0 });
        } else if (code !== 3 && queue.length > 0) {
          // Stopped between cases (died while loading, or quit early): blame the next case rather than loop forever.
          finishCase({ id: queue[0].id, outcome: 'crash', detail: `worker failed to start (${signal ?? `code ${code}`}): ${stderr.trim().slice(0, 300)}`, ms: 0, peakRss: 0, peakRssGrowth: 0 });
        }
        resolve();
      });
    });
  }
}

/** Runs every case in child processes and reports each one's outcome, in case order. */
export async function runCases(cases: readonly FuzzCase[], options: RunOptions = {}): Promise<CaseReport[]> {
  const full: Required<RunOptions> = {
    workers: options.workers ?? 2,
    caseTimeoutMs: options.caseTimeoutMs ?? 20_000,
    rssCapBytes: options.rssCapBytes ?? 768 * 1024 * 1024,
    memoryBudget: options.memoryBudget ?? 64 * 1024 * 1024,
  };
  const scratch = mkdtempSync(join(tmpdir(), 'reef-cases-'));
  const reports = new Map<number, CaseReport>();
  try {
    const queues = Array.from({ length: Math.max(1, full.workers) }, (_, w) => cases.filter((_, i) => i % full.workers === w));
    await Promise.all(queues.map((q) => drain(q, full, scratch, (r) => reports.set(r.id, r))));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return cases.map((c) => reports.get(c.id) ?? { id: c.id, outcome: 'crash', detail: 'no report', ms: 0, peakRss: 0, peakRssGrowth: 0 });
}

/** Outcome counts per label (rows) and outcome (columns), with totals, as a fixed-width table. */
export function outcomeTable(cases: readonly FuzzCase[], reports: readonly CaseReport[]): string {
  const labels = [...new Set(cases.map((c) => c.label))];
  const count = (label: string | undefined, outcome: Outcome): number =>
    reports.filter((r, i) => r.outcome === outcome && (label === undefined || cases[i].label === label)).length;
  const rows = [['format', ...OUTCOMES, 'total'], ...labels.map((l) => [l, ...OUTCOMES.map((o) => String(count(l, o))), String(cases.filter((c) => c.label === l).length)])];
  rows.push(['all', ...OUTCOMES.map((o) => String(count(undefined, o))), String(cases.length)]);
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ')).join('\n');
}
