import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { Repository, writeSafetensors } from '../src/index.js';
import { acquireLock, ownerState, parseOwner, processStartTime } from '../src/lock.js';
import { losslessRegistry, tempDir } from './helpers.js';

// Locks that recover (issue 18): stale only when the owner is provably dead, taken over by exactly
// one process, and a clear way out (`unlock`) when it cannot be judged. Real processes throughout.

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child', 'commit.mjs');
const TAKE = join(dirname(fileURLToPath(import.meta.url)), 'child', 'take-lock.mjs');
const hasProc = processStartTime(process.pid) !== undefined;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function newRepo(): { repo: Repository; dir: string; lock: string } {
  const { dir, cleanup } = tempDir();
  const repo = Repository.init(dir, { registry: losslessRegistry() });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [64], data: new Uint8Array(256).fill(3) } }]));
  return { repo, dir, lock: join(dir, '.reef', 'lock') };
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

/** A live process that is not a reef command, to be killed by the cleanup. */
function liveProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

function lockText(owner: Record<string, unknown>): string {
  return `${JSON.stringify({ host: hostname(), nonce: Math.random().toString(16).slice(2), ...owner })}\n`;
}

/** Collects a child's stdout lines; resolves `line(prefix)` when one starting with it arrives. */
function lines(child: ChildProcess): { all: string[]; line: (prefix: string) => Promise<string> } {
  const all: string[] = [];
  const waiting: { prefix: string; resolve: (l: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const l of chunk.split('\n').filter(Boolean)) {
      all.push(l);
      for (const w of waiting.splice(0)) {
        if (l.startsWith(w.prefix)) w.resolve(l);
        else waiting.push(w);
      }
    }
  });
  return {
    all,
    line: (prefix) => {
      const seen = all.find((l) => l.startsWith(prefix));
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ prefix, resolve }));
    },
  };
}

describe('repository lock', { timeout: 60_000 }, () => {
  it('records host, pid and start time, and is released after the write', async () => {
    const { repo, dir, lock } = newRepo();
    const release = acquireLock(lock);
    const owner = parseOwner(readFileSync(lock, 'utf8'));
    expect(owner).toMatchObject({ host: hostname(), pid: process.pid });
    if (hasProc) expect(owner?.start).toBe(processStartTime(process.pid));
    await expectReefError(() => acquireLock(lock), 'LOCKED', /already held by this process/);
    release();
    expect(existsSync(lock)).toBe(false);
    await repo.add(['m.safetensors'], { cwd: dir });
    expect(existsSync(lock)).toBe(false);
  });

  it('a lock left by a killed (SIGKILL) writer is taken over by the next command', async () => {
    const { repo, dir, lock } = newRepo();
    // 'manifest-written': every add that stores something reaches it (this small tensor goes inline in the manifest: no HDF5 file to write).
    const child = spawn(process.execPath, [CHILD, dir, 'm.safetensors', 'manifest-written'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await lines(child).line('stage manifest-written');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Alive and holding it: refused, with the way out.
    await expectReefError(() => repo.add(['m.safetensors'], { cwd: dir }), 'LOCKED', new RegExp(`locked by process ${child.pid}`), /try again when it finishes/, /reef unlock/);
    child.kill('SIGKILL');
    await exited;
    expect(parseOwner(readFileSync(lock, 'utf8'))?.pid).toBe(child.pid); // never released
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('after the kill');
    expect(existsSync(lock)).toBe(false);
    expect((await repo.fsck()).problems).toEqual([]);
  }, 120_000);

  it.skipIf(!hasProc)('a pid reused by another process does not keep the lock (its start time differs)', async () => {
    const { repo, dir, lock } = newRepo();
    const other = liveProcess();
    const start = processStartTime(other.pid as number) as string;
    expect(start).toBeDefined();
    // The same pid and start time: that process holds it.
    writeFileSync(lock, lockText({ pid: other.pid, start }));
    expect(ownerState(parseOwner(readFileSync(lock, 'utf8')))).toBe('alive');
    await expectReefError(() => repo.add(['m.safetensors'], { cwd: dir }), 'LOCKED', new RegExp(`locked by process ${other.pid}`));
    // The lock's owner started at another time: the pid now belongs to someone else.
    writeFileSync(lock, lockText({ pid: other.pid, start: String(Number(start) + 1) }));
    expect(ownerState(parseOwner(readFileSync(lock, 'utf8')))).toBe('dead');
    await repo.add(['m.safetensors'], { cwd: dir });
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  it('a lock from another host is never judged stale: the message says how to recover, unlock --force removes it', async () => {
    const { repo, dir, lock } = newRepo();
    writeFileSync(lock, lockText({ host: 'gpu-node-17.example', pid: process.pid }));
    await expectReefError(() => repo.add(['m.safetensors'], { cwd: dir }), 'LOCKED', /process \d+ on host gpu-node-17\.example/, /reef unlock --force/);
    await expectReefError(() => repo.unlock(), 'LOCKED', /cannot be checked from here/, /--force/);
    expect(existsSync(lock)).toBe(true);
    expect(repo.unlock({ force: true })).toMatchObject({ removed: true, state: 'other-host' });
    await repo.add(['m.safetensors'], { cwd: dir });
    // An unreadable lock (e.g. from another tool) is the same: refused, then removed by force.
    writeFileSync(lock, 'garbage');
    await expectReefError(() => repo.commit('x'), 'LOCKED', /lock .* is unreadable/, /reef unlock --force/);
    expect(repo.unlock({ force: true }).removed).toBe(true);
    expect(repo.unlock()).toEqual({ removed: false, leftovers: [] });
  });

  it('unlock removes a dead local writer\'s lock without --force, and never a live one', async () => {
    const { repo, lock } = newRepo();
    writeFileSync(lock, lockText({ pid: deadPid() }));
    expect(repo.unlock()).toMatchObject({ removed: true, state: 'dead' });
    const live = liveProcess();
    writeFileSync(lock, lockText({ pid: live.pid, start: processStartTime(live.pid as number) }));
    await expectReefError(() => repo.unlock({ force: true }), 'LOCKED', /still running/);
    expect(existsSync(lock)).toBe(true);
    // Older versions wrote a bare pid: still understood.
    writeFileSync(lock, `${deadPid()}\n`);
    expect(repo.unlock().removed).toBe(true);
  });

  it('temporary lock files left by killed lock takers are removed by the next lock taker and by unlock; a live one\'s stay', async () => {
    const { repo, dir } = newRepo();
    const reef = join(dir, '.reef');
    const live = liveProcess();
    const dead = deadPid();
    // What createExclusive and takeOver write (an owner record) under the names they use.
    const files = {
      deadNew: [`lock.new-${dead}-a1b2c3`, lockText({ pid: dead })],
      deadToken: ['lock.takeover-0123456789abcdef-0', lockText({ pid: dead })],
      deadTokenNew: [`lock.takeover-0123456789abcdef-1.new-${dead}-d4e5f6`, lockText({ pid: dead })],
      liveNew: [`lock.new-${live.pid}-0f0f0f`, lockText({ pid: live.pid, start: processStartTime(live.pid as number) })],
      emptyOld: [`lock.new-${live.pid}-eeeeee`, ''], // killed between create and write; an hour old
      emptyFresh: [`lock.new-${live.pid}-ffffff`, ''], // might be a live writer's, a microsecond from being written
    } as const;
    for (const [name, text] of Object.values(files)) writeFileSync(join(reef, name), text);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(reef, files.emptyOld[0]), hourAgo, hourAgo);
    await repo.add(['m.safetensors'], { cwd: dir }); // takes (and releases) the lock
    const left = () => readdirSync(reef).filter((f) => f.startsWith('lock')).sort();
    expect(left()).toEqual([files.emptyFresh[0], files.liveNew[0]].sort());
    // unlock cleans too, once the writer is gone, and says what it removed.
    live.kill('SIGKILL');
    await new Promise((resolve) => live.on('exit', resolve));
    expect(repo.unlock()).toEqual({ removed: false, leftovers: [files.liveNew[0]] });
    expect(left()).toEqual([files.emptyFresh[0]]);
  });

  it('a stale lock with a takeover token of a killed taker: the next writer takes it over and no token is left', async () => {
    const { repo, dir, lock } = newRepo();
    const staleText = lockText({ pid: deadPid() });
    writeFileSync(lock, staleText);
    const id = createHash('sha256').update(staleText).digest('hex').slice(0, 16);
    writeFileSync(`${lock}.takeover-${id}-0`, lockText({ pid: deadPid() })); // its taker died before removing the lock
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('after a killed takeover');
    expect(readdirSync(join(dir, '.reef')).filter((f) => f.startsWith('lock'))).toEqual([]);
    expect((await repo.fsck()).problems).toEqual([]);
  });

  it('processes racing to take over the same stale lock: exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const { lock, dir } = newRepo();
      writeFileSync(lock, lockText({ pid: deadPid() }));
      const go = join(dir, `go-${round}`);
      const children = Array.from({ length: 4 }, () => spawn(process.execPath, [TAKE, lock, go], { stdio: ['ignore', 'pipe', 'pipe'] }));
      for (const c of children) cleanups.push(() => c.kill('SIGKILL'));
      const outs = children.map(lines);
      await Promise.all(outs.map((o) => o.line('ready')));
      writeFileSync(go, '');
      const results = await Promise.all(outs.map((o) => Promise.race([o.line('won'), o.line('lost')])));
      const winners = results.filter((r) => r === 'won');
      expect(winners.length, results.join(' | ')).toBe(1);
      for (const r of results.filter((x) => x !== 'won')) expect(r).toMatch(/locked by process/);
      const winner = children[results.indexOf('won')];
      expect(parseOwner(readFileSync(lock, 'utf8'))?.pid).toBe(winner.pid);
    }
  }, 180_000);
});
