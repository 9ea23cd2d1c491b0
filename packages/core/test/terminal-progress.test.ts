import { describe, expect, it } from 'vitest';
import { TerminalProgress, formatDuration, formatSize } from '../src/index.js';

/** A terminal that keeps what is written, and a clock the test moves. */
function terminal(isTTY = true) {
  const writes: string[] = [];
  let t = 0;
  const stream = { isTTY, columns: 200, write: (s: string) => writes.push(s) };
  return { writes, stream, tick: (ms: number) => (t += ms), now: () => t, screen: () => writes.join('') };
}

describe('TerminalProgress', () => {
  it('is made only for a terminal, and not when quiet', () => {
    expect(TerminalProgress.for(terminal(false).stream)).toBeUndefined();
    expect(TerminalProgress.for(terminal(true).stream, true)).toBeUndefined();
    expect(TerminalProgress.for(terminal(true).stream)).toBeInstanceOf(TerminalProgress);
  });

  it('redraws one line with bytes, rate and an ETA from the elapsed time, and erases it at the end', () => {
    const term = terminal();
    const p = new TerminalProgress(term.stream, { now: term.now, redrawMs: 100 });
    const MiB = 1024 * 1024;
    p.report(0, 'add model.safetensors', { done: 0, total: 100 * MiB, unit: 'bytes' });
    expect(term.writes.at(-1)).toMatch(/^\r\x1b\[Kadd model\.safetensors  ░+ +0%  0 B\/100\.0 MiB  ETA --:--$/);
    term.tick(50);
    p.report(0.1, 'add model.safetensors', { done: 10 * MiB, total: 100 * MiB, unit: 'bytes' });
    expect(term.writes).toHaveLength(1); // throttled: 50 ms since the last draw
    term.tick(1950); // 2 s in, a quarter done: 6 s left, 12.5 MiB/s
    p.report(0.25, 'add model.safetensors', { done: 25 * MiB, total: 100 * MiB, unit: 'bytes' });
    expect(term.writes.at(-1)).toContain(' 25%  25.0 MiB/100.0 MiB  12.5 MiB/s  ETA 0:06');
    p.report(1, 'add model.safetensors', { done: 100 * MiB, total: 100 * MiB, unit: 'bytes' });
    expect(term.writes.at(-1)).toBe('\r\x1b[K');
    // Nothing left to erase: a later clear writes nothing.
    const n = term.writes.length;
    p.clear();
    expect(term.writes).toHaveLength(n);
  });

  it('keeps notes above the status line and restarts a task that goes backwards', () => {
    const term = terminal();
    const p = new TerminalProgress(term.stream, { now: term.now });
    p.report(0.5, 'fit', { done: 5, total: 10, unit: 'items' });
    p.note('[1/3] PQ: ok');
    expect(term.screen()).toContain('\r\x1b[K[1/3] PQ: ok\n');
    expect(term.writes.at(-1)).toContain('fit'); // redrawn below the note
    expect(term.writes.at(-1)).toContain('5/10');
    term.tick(3000);
    p.report(0.1, 'fit'); // the next run: its ETA starts from nothing again
    expect(p.line()).toContain('ETA --:--');
    p.report(Number.NaN, 'loading fashion-mnist');
    term.tick(4000);
    expect(p.line()).toBe('loading fashion-mnist  0:04');
  });

  it('draws nothing on a stream that is not a terminal when built through for()', () => {
    const term = terminal(false);
    const p = TerminalProgress.for(term.stream);
    p?.report(0.5, 'x');
    expect(term.writes).toEqual([]);
  });

  it('formats sizes and durations', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('TerminalProgress prefix', () => {
  it('shows the prefix before the label without restarting the task', () => {
    let t = 0;
    const writes: string[] = [];
    const p = new TerminalProgress({ isTTY: true, columns: 200, write: (s: string) => writes.push(s) }, { now: () => t });
    p.setPrefix('1/4 done, ETA 0:30 ·');
    p.report(0, 'pq fit');
    t += 2000;
    p.setPrefix('1/4 done, ETA 0:28 ·');
    p.report(0.5, 'pq fit');
    // Same task: its own ETA comes from 2 s for half.
    expect(writes.at(-1)).toMatch(/^\r\x1b\[K1\/4 done, ETA 0:28 · pq fit  █{10}░{10} +50%  ETA 0:02$/);
  });
});
