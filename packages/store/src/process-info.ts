import { readFileSync } from 'node:fs';

/**
 * What this host knows about a process, from /proc (Linux): its parent, start time and state.
 * The lock and the staging index's writer stamps judge whether a recorded process still runs.
 */

export interface ProcessStat {
  readonly ppid: number;
  /** Start time in clock ticks since boot (field 22): with the pid, names one process for good. */
  readonly start: string;
  /** 'Z' for a zombie: exited, not yet reaped; it will never write again. */
  readonly state: string;
}

export function processStat(pid: number): ProcessStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) may hold spaces and ')': fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return undefined;
  }
}

/** The process's command name (/proc/<pid>/comm), for messages. */
export function processCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Start time of process `pid`, or undefined where there is no /proc or no such process. */
export function processStartTime(pid: number): string | undefined {
  return processStat(pid)?.start;
}

/** The kernel's boot id, where available: a pid recorded before a reboot is dead. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process `pid` that started at `start` (when known) still runs on this host: the pid
 * exists, is not a zombie, and (where /proc tells) started at that time, so a reused pid is dead.
 */
export function processAlive(pid: number, start?: string): boolean {
  if (!(pid > 0) || !pidExists(pid)) return false;
  const now = processStat(pid);
  if (!now) return true; // no /proc: the pid exists, that is all this host can say
  if (now.state === 'Z') return false;
  return start === undefined || now.start === start;
}

/** This process and its ancestors, nearest first, up to `depth` (pid 1 and 0 excluded). */
export function ancestry(depth: number): { pid: number; start?: string }[] {
  const chain: { pid: number; start?: string }[] = [];
  let pid = process.pid;
  const seen = new Set<number>();
  while (pid > 1 && chain.length < depth && !seen.has(pid)) {
    seen.add(pid);
    const stat = processStat(pid);
    chain.push(stat ? { pid, start: stat.start } : { pid });
    // Without /proc only the direct parent is known.
    pid = stat ? stat.ppid : pid === process.pid ? process.ppid : 0;
  }
  return chain;
}
