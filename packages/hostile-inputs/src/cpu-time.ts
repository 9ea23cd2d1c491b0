import { readFileSync } from 'node:fs';

/**
 * CPU time a process has used so far (user + system), in ms, from /proc (Linux); undefined elsewhere
 * or once the process is gone. The case runner judges hangs by it: on a loaded machine a reader can
 * wait a long time for a core, and wall time alone would call that a hang.
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is index 0, utime 11, stime 12 (proc(5), counted in clock ticks).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * (1000 / CLOCK_TICKS_PER_SECOND) : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;
