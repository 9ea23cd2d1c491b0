#!/usr/bin/env node
// Crash and concurrency bench (issue 18): SIGKILLs add+commit, gc and cluster apply at random
// moments of their work, most of them while they write, and after every kill checks the
// repository: fsck clean, every commit reported done still on the branch, every file of every
// commit exported byte-exact (its bytes rebuilt from crash-content.mjs), and the lock taken by the
// next command with no temporary lock file left (none stuck). Then N writer processes add and
// commit their own files at the same time, R rounds each (plain add then commit, or commitFiles):
// 0 rounds lost.
//
//   node bench/store/crash.mjs [--kills 200] [--writers 4] [--rounds 20] [--writer-mode plain|files]
//                              [--during-writes 0.8] [--seed 1] [--root <checkout>]
//
// When a kill lands: a share `--during-writes` of the kills is timed, half from the moment the
// victim reports its first write (the temporary pack file created; gc: its first write step of any
// kind), half from its pack being written (then flush, renames, commit, ref follow), uniformly over
// 1.1× the median time from there to its last write step on unkilled runs; the rest uniformly over
// 1.1× its median whole run, from its start. Where each kill really landed is read
// from the last progress stage the victim printed (each printed synchronously to a pipe).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TRACKED, content } from './crash-content.mjs';
import { losslessRegistry } from './registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const root = resolve(arg('root', join(here, '..', '..')));
const targetKills = Number(arg('kills', '200'));
const writers = Number(arg('writers', '4'));
const rounds = Number(arg('rounds', '20'));
const writerMode = arg('writer-mode', 'plain');
const duringWrites = Number(arg('during-writes', '0.8'));
let seed = Number(arg('seed', '1'));
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const store = await import(pathToFileURL(join(root, 'packages/store/dist/index.js')).href);
const { acquireLock } = await import(pathToFileURL(join(root, 'packages/store/dist/lock.js')).href);
const registry = await losslessRegistry(root);
const WORKER = join(here, 'crash-worker.mjs');
const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)));
/** CPU seconds of every reaped child (the workers): from /proc/self/stat fields 16-17 (cutime, cstime), Linux only. */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(((Number(f[13]) + Number(f[14])) / 100).toFixed(1)); // clock ticks: 100 per second on Linux
  } catch {
    return undefined;
  }
}
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Runs a worker. `kill`: { fromStage, afterMs } SIGKILLs it `afterMs` after it reports stage
 * `fromStage` (the first write step when fromStage is 'first-write'), or after `start` when
 * fromStage is 'start'. Resolves with its lines, its stages as [name, ms since its start], and how it ended.
 */
function run(repoDir, args, kill) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [WORKER, root, repoDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    const stages = [];
    let stderr = '';
    let armed = false;
    let buffered = '';
    const arm = () => {
      if (armed || !kill) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop();
      for (const line of parts.filter(Boolean)) {
        lines.push(line);
        if (line === 'start' && kill?.fromStage === 'start') arm();
        if (line.startsWith('stage ')) {
          const [, name, ms] = line.split(' ');
          stages.push([name, Number(ms)]);
          if (kill?.fromStage === 'first-write' && WRITE_STAGES.has(name)) arm();
          if (kill?.fromStage === 'publish' && name === 'pack-written') arm();
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, lines, stages, stderr }));
  });
}

/** Progress stages that follow a write to disk (the first: the temporary pack file created). */
const WRITE_STAGES = new Set(['pack-opened', 'pack-written', 'pack-renamed', 'manifest-written', 'index-written', 'commit-written', 'ref-updated', 'manifest-retired', 'pack-retired']);
/** The last write step of each operation (gc: its last reported one; it then removes leftovers). */
const LAST_WRITE = { commit: 'ref-updated', gc: 'pack-retired', cluster: 'cluster-applied' };

/** Where a kill landed, from the stages the victim printed before it. */
function landing(op, stages) {
  const names = stages.map(([n]) => n);
  const last = names.at(-1);
  if (!names.includes('locked')) return 'before the lock (opening, reading files)';
  if (!names.some((n) => WRITE_STAGES.has(n))) return 'holding the lock, before its first write (reading, encoding)';
  if (names.includes(LAST_WRITE[op])) return 'after its last write step (releasing, exiting)';
  if (last === 'pack-opened' || (op === 'commit' && last.startsWith('parsed'))) return 'writing objects into the temporary pack';
  return 'flushing and renaming (pack, manifest, index, commit, ref; gc retiring packs)';
}

function fresh(name) {
  const dir = join(tmpdir(), `reef-crash-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---- part 1: kills --------------------------------------------------------------------------
const repoDir = fresh('kills');
store.Repository.init(repoDir, { registry }).close();
/** sha256 of every content ever written per tracked path: what an exported file may be. */
const written = new Map(TRACKED.map((p) => [p, new Set()]));
const done = new Map(); // iteration -> commit hash, for commits whose worker reported them done
let iteration = 0;
const nextCommit = () => {
  const i = iteration++;
  const path = TRACKED[i % TRACKED.length];
  written.get(path).add(sha(content(store.writeSafetensors, path, i)));
  return ['commit', String(i)];
};
// Seed: every tracked file committed twice (so the variants can cluster), and each op's timing on unkilled runs.
const timing = { commit: [], gc: [], cluster: [] };
const record = (op, r) => {
  const at = (pred) => r.stages.find(([n]) => pred(n))?.[1];
  const first = at((n) => WRITE_STAGES.has(n));
  const last = r.stages.filter(([n]) => n === LAST_WRITE[op] || (op === 'gc' && WRITE_STAGES.has(n))).at(-1)?.[1];
  const published = at((n) => n === 'pack-written');
  const done = at((n) => n === 'done');
  const span = (from) => (from !== undefined && last !== undefined ? last - from : undefined);
  timing[op].push({ whole: done ?? 0, writes: span(first), publish: span(published) });
};
for (let k = 0; k < TRACKED.length * 2; k++) {
  const r = await run(repoDir, nextCommit());
  if (r.code !== 0) throw new Error(`seed commit failed: ${r.stderr}`);
  record('commit', r);
  const c = r.lines.find((l) => l.startsWith('committed'))?.split(' ');
  done.set(Number(c[1]), c[2]);
}
for (const op of ['gc', 'cluster', 'gc', 'cluster']) {
  const r = await run(repoDir, [op]);
  if (r.code !== 0) throw new Error(`${op} failed: ${r.stderr}`);
  record(op, r);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const medianOf = (op, key) => median(timing[op].map((t) => t[key]).filter((x) => x !== undefined)) ?? median(timing[op].map((t) => t.whole));

const counts = { kills: 0, finishedFirst: 0, corrupted: 0, lostCommits: 0, stuckLocks: 0, lockFilesLeft: 0, locksLeft: 0, exportMismatches: 0, exported: 0 };
const byOp = { commit: 0, gc: 0, cluster: 0 };
const byLanding = {};
const aims = { 'first-write': 0, publish: 0, start: 0 };
const byStage = {};
const problems = [];
const t0 = performance.now();

async function verify() {
  const repo = store.Repository.open(repoDir, { registry });
  try {
    const f = await repo.fsck();
    if (f.problems.length) {
      counts.corrupted++;
      problems.push(...f.problems.slice(0, 3));
    }
    const log = repo.log();
    const onBranch = new Set(log.map((c) => c.hash));
    for (const [i, hash] of done) if (!onBranch.has(hash)) {
      counts.lostCommits++;
      problems.push(`commit of iteration ${i} (${hash.slice(0, 12)}) lost`);
      done.delete(i);
    }
    const seen = new Set();
    for (const c of log) {
      for (const [path, file] of Object.entries(c.tree)) {
        if (seen.has(file.sha256)) continue;
        seen.add(file.sha256);
        const bytes = await repo.fileBytes(path, file);
        counts.exported++;
        if (!written.get(path)?.has(sha(bytes))) {
          counts.exportMismatches++;
          problems.push(`${path} in ${c.hash.slice(0, 12)} exports bytes never written`);
        }
      }
    }
  } finally {
    repo.close();
  }
  // The next writer must get the lock (a killed holder's is taken over), or it is stuck; the
  // temporary files of killed lock takers must be gone once it has it.
  try {
    acquireLock(join(repoDir, '.reef', 'lock'))();
  } catch (err) {
    counts.stuckLocks++;
    problems.push(`stuck lock: ${err.message}`);
    store.Repository.open(repoDir, { registry }).unlock({ force: true });
  }
  const lockFiles = readdirSync(join(repoDir, '.reef')).filter((f) => f.startsWith('lock'));
  if (lockFiles.length) {
    counts.lockFilesLeft += lockFiles.length;
    problems.push(`lock files left after the next lock taker: ${lockFiles.join(', ')}`);
  }
}

while (counts.kills < targetKills) {
  const roll = random();
  const op = roll < 0.7 ? 'commit' : roll < 0.85 ? 'gc' : 'cluster';
  const args = op === 'commit' ? nextCommit() : [op];
  // Half of the kills aimed at writes start at the first write, half at the publishing steps
  // (flush, renames, commit, ref), where a process spends a few milliseconds.
  const aim = random();
  const kill = aim < duringWrites / 2
    ? { fromStage: 'first-write', afterMs: random() * medianOf(op, 'writes') * 1.1 }
    : aim < duringWrites
      ? { fromStage: 'publish', afterMs: random() * medianOf(op, 'publish') * 1.1 }
      : { fromStage: 'start', afterMs: random() * medianOf(op, 'whole') * 1.1 };
  const r = await run(repoDir, args, kill);
  const committed = r.lines.find((l) => l.startsWith('committed'))?.split(' ');
  if (committed) done.set(Number(committed[1]), committed[2]);
  if (r.signal !== 'SIGKILL') {
    if (r.code !== 0) throw new Error(`${op} failed without a kill: ${r.stderr}`);
    counts.finishedFirst++;
    record(op, r);
    continue;
  }
  counts.kills++;
  byOp[op]++;
  aims[kill.fromStage]++;
  const where = landing(op, r.stages);
  byLanding[where] = (byLanding[where] ?? 0) + 1;
  const at = `${op}:${r.stages.at(-1)?.[0] ?? 'before its first stage'}`;
  byStage[at] = (byStage[at] ?? 0) + 1;
  if (existsSync(join(repoDir, '.reef', 'lock'))) counts.locksLeft++; // else killed outside the locked part
  await verify();
  if (counts.kills % 25 === 0) console.error(`${counts.kills} kills, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const killSeconds = (performance.now() - t0) / 1000;

// ---- part 2: concurrent writers ---------------------------------------------------------------
const wDir = fresh('writers');
store.Repository.init(wDir, { registry }).close();
const t1 = performance.now();
const results = await Promise.all(Array.from({ length: writers }, (_, id) => run(wDir, ['writer', String(id), String(rounds), writerMode])));
const writerSeconds = (performance.now() - t1) / 1000;
let lostWork = 0;
const wrepo = store.Repository.open(wDir, { registry });
const wlog = wrepo.log();
for (const [id, r] of results.entries()) {
  if (r.code !== 0) problems.push(`writer ${id} failed: ${r.stderr.split('\n')[0]}`);
  for (let round = 0; round < rounds; round++) {
    const c = wlog.find((x) => x.message === `writer ${id} round ${round}`);
    const path = `writer-${id}.safetensors`;
    const expected = sha(content(store.writeSafetensors, TRACKED[0], 10_000 * (id + 1) + round));
    const parent = c?.parents[0] ? wrepo.show(c.parents[0]).tree : {};
    const changed = c ? Object.keys(c.tree).filter((p) => JSON.stringify(c.tree[p]) !== JSON.stringify(parent[p])) : [];
    if (!c || changed.length !== 1 || changed[0] !== path || sha(await wrepo.fileBytes(path, c.tree[path])) !== expected) lostWork++;
  }
}
const wfsck = await wrepo.fsck();
wrepo.close();

const summary = {
  loadAtStart,
  loadAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
  cpuSeconds: Number(((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(1)),
  childCpuSeconds: childCpuSeconds(),
  kills: counts.kills,
  killsByOp: byOp,
  killsDuringWritesShare: duringWrites,
  killsTimedFrom: aims,
  medianMs: Object.fromEntries(Object.keys(timing).map((op) => [op, { whole: medianOf(op, 'whole'), fromFirstWrite: medianOf(op, 'writes'), fromPackWritten: medianOf(op, 'publish') }])),
  killsByLanding: byLanding,
  killsByLastStage: byStage,
  runsFinishedBeforeTheirKill: counts.finishedFirst,
  locksLeftByKills: counts.locksLeft,
  stuckLocks: counts.stuckLocks,
  lockFilesLeftAfterNextTaker: counts.lockFilesLeft,
  corruptedRepositories: counts.corrupted,
  lostCommits: counts.lostCommits,
  commitsDone: done.size,
  filesExportedAndCompared: counts.exported,
  exportMismatches: counts.exportMismatches,
  killSeconds: Number(killSeconds.toFixed(1)),
  writers,
  rounds,
  writerMode,
  writerCommits: wlog.length,
  lostWork,
  writerFsckProblems: wfsck.problems.length,
  writerSeconds: Number(writerSeconds.toFixed(1)),
  problems: problems.slice(0, 20),
};
console.log(JSON.stringify(summary, null, 2));
rmSync(repoDir, { recursive: true, force: true });
rmSync(wDir, { recursive: true, force: true });
process.exitCode = counts.corrupted || counts.lostCommits || counts.stuckLocks || counts.lockFilesLeft || counts.exportMismatches || lostWork ? 1 : 0;
