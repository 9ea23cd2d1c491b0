import { hostname } from 'node:os';
import { ancestry, bootId, processAlive, processCommand } from './process-info.js';
import { printable } from './printable.js';

/**
 * Who staged a change (the staging rule for writers that run at the same time).
 *
 * Every change `add` stages is stamped with its writer: the process and its ancestors (pid and
 * start time, nearest first), or a name given by the user (`REEF_WRITER`). A plain `commit`
 * takes the changes whose writer is this process's own: the first of the stamp's processes that
 * still runs is this process or one of its ancestors, so `reef add` then `reef commit` in one
 * shell, script, job or program pair up, and another shell's or job's files stay staged for it.
 * A change whose processes have all ended is nobody's any more and goes to the next commit; one
 * from another host stays (it cannot be judged from here). `commit --all` takes every change.
 */

export interface WriterStamp {
  readonly host: string;
  readonly boot?: string;
  /** The staging process, then its parent, grandparent...: pid and /proc start time. */
  readonly chain: readonly { pid: number; start?: string }[];
  /** A name chosen by the user: then only a writer of the same name is the same writer. */
  readonly name?: string;
}

/** How a stamped change looks from the committing writer. */
export type WriterRelation = 'mine' | 'ended' | 'other';

/** Ancestors recorded: enough to reach a shell, a job script or a program above `reef` and npx. */
const CHAIN_DEPTH = 12;

export function currentWriter(name?: string): WriterStamp {
  const stamp = { host: hostname(), boot: bootId(), chain: ancestry(CHAIN_DEPTH) };
  return name ? { ...stamp, name } : stamp;
}

/** Whether `stamp`'s change belongs to `me` (the committing writer), to a writer that has ended, or to another one still running. */
export function relation(stamp: WriterStamp, me: WriterStamp): WriterRelation {
  if (stamp.name !== undefined || me.name !== undefined) return stamp.name === me.name ? 'mine' : 'other';
  if (stamp.host !== me.host) return 'other';
  if (stamp.boot && me.boot && stamp.boot !== me.boot) return 'ended';
  for (const p of stamp.chain) {
    if (!processAlive(p.pid, p.start)) continue;
    return me.chain.some((m) => m.pid === p.pid && (m.start === undefined || p.start === undefined || m.start === p.start)) ? 'mine' : 'other';
  }
  return 'ended';
}

/** The stamp's writer in words, for messages: its name, or its nearest process that still runs. */
export function describeWriter(stamp: WriterStamp): string {
  if (stamp.name !== undefined) return `writer '${printable(stamp.name, 80)}'`;
  if (stamp.host !== hostname()) return `a writer on host ${printable(stamp.host, 80)}`;
  const live = stamp.chain.find((p) => processAlive(p.pid, p.start));
  if (!live) return 'a writer that has ended';
  const comm = processCommand(live.pid);
  return `process ${live.pid}${comm ? ` (${printable(comm, 40)})` : ''}`;
}

/** Parses a stamp read from the staging index; anything malformed counts as unstamped (anybody's). */
export function parseStamp(value: unknown): WriterStamp | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Partial<WriterStamp>;
  if (typeof v.host !== 'string' || !Array.isArray(v.chain)) return undefined;
  if (!v.chain.every((p) => p && Number.isSafeInteger(p.pid) && (p.start === undefined || typeof p.start === 'string'))) return undefined;
  if (v.name !== undefined && typeof v.name !== 'string') return undefined;
  return v as WriterStamp;
}
