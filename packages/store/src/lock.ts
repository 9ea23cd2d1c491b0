import { ReefError } from '@reef/core/errors';
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { printable } from './printable.js';
import { bootId, processAlive, processStartTime } from './process-info.js';

export { processStartTime } from './process-info.js';

/**
 * The repository lock: a file holding its owner's host, pid and process start time, created
 * whole and exclusively (written under a temporary name, then hard-linked into place, which fails
 * if a lock exists). A lock is stale only when its owner is provably dead: same host (and boot),
 * and the pid is gone or now belongs to a process that started at another time. A lock from
 * another host (a shared file system) is never judged: `reef unlock --force` removes it.
 *
 * Taking over a stale lock: each stale lock is identified by its exact content (which holds a
 * random nonce). Only the process that creates the takeover token for that content may remove it,
 * after reading it again; nobody can create a lock while it exists, so exactly one process removes
 * it, and the fresh lock is then taken by the ordinary exclusive create.
 */

export interface LockOwner {
  readonly host: string;
  readonly pid: number;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22), where available. */
  readonly start?: string;
  /** The kernel's boot id, where available: a pid from before a reboot is dead. */
  readonly boot?: string;
  readonly since?: string;
  readonly nonce?: string;
}

/** How a lock's owner looks from here. */
export type OwnerState = 'alive' | 'dead' | 'other-host' | 'unreadable';

const TAKEOVER_GENERATIONS = 16;

export function currentOwner(): LockOwner {
  return { host: hostname(), pid: process.pid, start: processStartTime(process.pid), boot: bootId(), since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
}

/** Parses a lock file's text: JSON as written now, or a bare pid as older versions wrote (this host). */
export function parseOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { host: hostname(), pid: Number(trimmed) };
  try {
    const o = JSON.parse(trimmed) as Partial<LockOwner>;
    if (typeof o.host === 'string' && Number.isSafeInteger(o.pid) && (o.pid as number) > 0) return o as LockOwner;
  } catch {
    // unreadable: judged below
  }
  return undefined;
}

export function ownerState(owner: LockOwner | undefined): OwnerState {
  if (!owner || !(owner.pid > 0)) return 'unreadable';
  if (owner.host !== hostname()) return 'other-host';
  const boot = bootId();
  if (owner.boot && boot && owner.boot !== boot) return 'dead';
  // Gone, a zombie, or the pid reused by a process that started at another time.
  return processAlive(owner.pid, owner.start) ? 'alive' : 'dead';
}

function isSelf(owner: LockOwner | undefined): boolean {
  return owner !== undefined && owner.host === hostname() && owner.pid === process.pid && (!owner.start || owner.start === processStartTime(process.pid));
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Creates `path` holding `text`, whole, unless it exists: written aside, then hard-linked into place. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.new-${process.pid}-${randomBytes(6).toString('hex')}`;
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function describe(owner: LockOwner): string {
  const since = owner.since ? ` since ${printable(owner.since, 40)}` : '';
  return `process ${owner.pid} on host ${printable(owner.host, 80)}${since}`;
}

/** The error for a lock held by someone else: who, and how to recover. */
function lockedError(path: string, owner: LockOwner | undefined, state: OwnerState): ReefError {
  if (state === 'alive' && owner) {
    return new ReefError('LOCKED', `repository is locked by process ${owner.pid}${owner.since ? ` (since ${printable(owner.since, 40)})` : ''}: another reef command is writing; try again when it finishes (if it was killed, the next command takes the lock over, or run \`reef unlock\`)`);
  }
  if (state === 'other-host' && owner) {
    return new ReefError('LOCKED', `repository is locked by ${describe(owner)}, which cannot be checked from this host; if no reef command runs there any more, run \`reef unlock --force\``);
  }
  return new ReefError('LOCKED', `repository lock ${path} is unreadable; if no reef command is running on this repository, run \`reef unlock --force\``);
}

/**
 * Removes the stale lock whose content is `staleText`, if this process wins its takeover token.
 * Returns false when another process is taking it over right now (the caller retries).
 */
function takeOver(path: string, staleText: string): boolean {
  const id = createHash('sha256').update(staleText).digest('hex').slice(0, 16);
  const me = JSON.stringify(currentOwner());
  for (let gen = 0; gen < TAKEOVER_GENERATIONS; gen++) {
    const token = `${path}.takeover-${id}-${gen}`;
    if (createExclusive(token, me)) {
      try {
        // Only this token's holder removes a lock with this content, and no lock can be created
        // while it exists: read again, it is either still the stale one or already gone.
        if (readText(path) === staleText) rmSync(path, { force: true });
      } finally {
        removeTokens(path, id);
      }
      return true;
    }
    const holder = readText(token);
    if (holder === undefined) return false; // finished just now: look at the lock again
    // A token whose creator died mid-takeover is passed by the next generation, never removed.
    if (ownerState(parseOwner(holder)) !== 'dead') return false;
  }
  return false;
}

/** A temporary file of an exclusive create left by a crash is older than this (it lives for microseconds). */
const LEFTOVER_AGE_MS = 60_000;

/**
 * Removes what killed lock takers left beside the lock: `lock.new-*` (a lock or token written
 * aside, not yet linked) and `lock.takeover-*` (a takeover token) whose creator is provably dead,
 * judged like a lock by the owner recorded in them; an empty one (killed before writing) once it is
 * a minute old. Called by whoever has just taken the lock, and by `unlock`: a token of a dead
 * creator is no takeover in progress, so removing it cannot let two processes remove one lock.
 */
export function removeLeftovers(path: string): string[] {
  const dir = dirname(path);
  const prefixes = [`${basename(path)}.new-`, `${basename(path)}.takeover-`];
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const file = join(dir, name);
    let stale = false;
    try {
      const text = readFileSync(file, 'utf8');
      const owner = parseOwner(text);
      stale = owner ? ownerState(owner) === 'dead' : Date.now() - statSync(file).mtimeMs > LEFTOVER_AGE_MS;
    } catch {
      continue; // removed meanwhile by its creator
    }
    if (stale) {
      rmSync(file, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Removes the takeover tokens of one stale lock: the tokens themselves only, never another
 * process's token being written aside (`<token>.new-<pid>-…`), whose link would then fail.
 */
function removeTokens(path: string, id: string): void {
  const token = new RegExp(`^${escapeRegExp(basename(path))}\\.takeover-${id}-\\d+$`);
  for (const f of readdirSync(dirname(path))) if (token.test(f)) rmSync(join(dirname(path), f), { force: true });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Takes the repository lock at `path`, or throws a ReefError saying who holds it and how to recover. */
export function acquireLock(path: string): () => void {
  const me = currentOwner();
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(path, text)) {
      removeLeftovers(path);
      return () => releaseLock(path, text);
    }
    const held = readText(path);
    if (held === undefined) continue; // released in between
    const owner = parseOwner(held);
    if (isSelf(owner)) throw new ReefError('LOCKED', 'repository lock is already held by this process (nested write)');
    const state = ownerState(owner);
    if (state !== 'dead') throw lockedError(path, owner, state);
    if (!takeOver(path, held)) pause(10 + attempt * 5); // another process is taking it over
  }
  throw new ReefError('LOCKED', `cannot take the repository lock ${path}: it keeps changing hands; try again`);
}

/** Removes the lock only while it is still this holder's (`reef unlock --force` may have broken it). */
function releaseLock(path: string, text: string): void {
  if (readText(path) === text) rmSync(path, { force: true });
}

export interface UnlockResult {
  /** The owner recorded in the removed lock; undefined when there was no lock. */
  readonly owner?: LockOwner;
  readonly removed: boolean;
  readonly state?: OwnerState;
  /** Temporary files of killed lock takers removed beside the lock (`lock.new-*`, `lock.takeover-*`). */
  readonly leftovers: string[];
}

/**
 * `reef unlock`: removes a lock whose owner is provably dead; with `force`, also one from another
 * host or an unreadable one. A lock whose owner runs on this host is never removed.
 */
export function breakLock(path: string, options: { force?: boolean } = {}): UnlockResult {
  const leftovers = removeLeftovers(path);
  const held = readText(path);
  if (held === undefined) return { removed: false, leftovers };
  const owner = parseOwner(held);
  const state = ownerState(owner);
  if (isSelf(owner) || state === 'alive') {
    throw new ReefError('LOCKED', `the repository lock belongs to ${describe(owner as LockOwner)}, which is still running: wait for it, or stop it first`);
  }
  if (state !== 'dead' && !options.force) {
    const who = owner ? describe(owner) : 'an unreadable lock file';
    throw new ReefError('LOCKED', `the repository lock belongs to ${who}, which cannot be checked from here; if no reef command is running there, run \`reef unlock --force\``);
  }
  if (readText(path) === held) rmSync(path, { force: true });
  return { owner, removed: true, state, leftovers };
}
