#!/usr/bin/env node
// Crash and concurrency bench (issue 18): SIGKILLs add+commit, gc and cluster apply at random
// moments of their work, and after every kill checks the repository: fsck clean, every commit
// reported done still on the branch, every file of every commit exported byte-exact (its bytes
// rebuilt from crash-content.mjs), and the lock taken by the next command (none stuck). Then N
// writer processes add+commit their own files at the same time, R rounds each: 0 rounds lost.
//
//   node bench/store/crash.mjs [--kills 200] [--writers 4] [--rounds 20] [--seed 1] [--root <checkout>]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
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
let seed = Number(arg('seed', '1'));
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const store = await import(pathToFileURL(join(root, 'packages/store/dist/index.js')).href);
const { acquireLock } = await import(pathToFileURL(join(root, 'packages/store/dist/lock.js')).href);
const registry = await losslessRegistry(root);
const WORKER = join(here, 'crash-worker.mjs');
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Runs a worker; with `killAfterMs`, SIGKILLs it that long after it reports `start`. */
function run(repoDir, args, killAfterMs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [WORKER, root, repoDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let stderr = '';
    let started = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        lines.push(line);
        if (line === 'start') {
          started = performance.now();
          if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise({ code, signal, lines, stderr, workMs: started ? performance.now() - started : 0 }));
  });
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
// Seed: every tracked file committed once (so the variants can cluster), and the work time of each op.
const workMs = { commit: [], gc: [], cluster: [] };
for (let k = 0; k < TRACKED.length * 2; k++) {
  const r = await run(repoDir, nextCommit());
  if (r.code !== 0) throw new Error(`seed commit failed: ${r.stderr}`);
  workMs.commit.push(r.workMs);
  const c = r.lines.find((l) => l.startsWith('committed'))?.split(' ');
  done.set(Number(c[1]), c[2]);
}
for (const op of ['gc', 'cluster']) {
  const r = await run(repoDir, [op]);
  if (r.code !== 0) throw new Error(`${op} failed: ${r.stderr}`);
  workMs[op].push(r.workMs);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const counts = { kills: 0, finishedFirst: 0, corrupted: 0, lostCommits: 0, stuckLocks: 0, locksLeft: 0, exportMismatches: 0, exported: 0 };
const byOp = { commit: 0, gc: 0, cluster: 0 };
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
  // The next writer must get the lock (a killed holder's is taken over), or it is stuck.
  try {
    acquireLock(join(repoDir, '.reef', 'lock'))();
  } catch (err) {
    counts.stuckLocks++;
    problems.push(`stuck lock: ${err.message}`);
    store.Repository.open(repoDir, { registry }).unlock({ force: true });
  }
}

while (counts.kills < targetKills) {
  const roll = random();
  const op = roll < 0.7 ? 'commit' : roll < 0.85 ? 'gc' : 'cluster';
  const args = op === 'commit' ? nextCommit() : [op];
  const delay = random() * median(workMs[op]) * 1.1;
  const r = await run(repoDir, args, delay);
  const committed = r.lines.find((l) => l.startsWith('committed'))?.split(' ');
  if (committed) done.set(Number(committed[1]), committed[2]);
  if (r.signal !== 'SIGKILL') {
    if (r.code !== 0) throw new Error(`${op} failed without a kill: ${r.stderr}`);
    counts.finishedFirst++;
    workMs[op].push(r.workMs);
    continue;
  }
  counts.kills++;
  byOp[op]++;
  const stages = r.lines.filter((l) => l.startsWith('stage ')).map((l) => l.slice(6));
  const at = `${op}:${stages.at(-1) ?? 'before first write step'}`;
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
const results = await Promise.all(Array.from({ length: writers }, (_, id) => run(wDir, ['writer', String(id), String(rounds)])));
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
  load: loadavg().map((x) => Number(x.toFixed(2))),
  kills: counts.kills,
  killsByOp: byOp,
  killsByStage: byStage,
  runsFinishedBeforeTheirKill: counts.finishedFirst,
  locksLeftByKills: counts.locksLeft,
  stuckLocks: counts.stuckLocks,
  corruptedRepositories: counts.corrupted,
  lostCommits: counts.lostCommits,
  commitsDone: done.size,
  filesExportedAndCompared: counts.exported,
  exportMismatches: counts.exportMismatches,
  killSeconds: Number(killSeconds.toFixed(1)),
  writers,
  rounds,
  writerCommits: wlog.length,
  lostWork,
  writerFsckProblems: wfsck.problems.length,
  writerSeconds: Number(writerSeconds.toFixed(1)),
  problems: problems.slice(0, 20),
};
console.log(JSON.stringify(summary, null, 2));
rmSync(repoDir, { recursive: true, force: true });
rmSync(wDir, { recursive: true, force: true });
process.exitCode = counts.corrupted || counts.lostCommits || counts.stuckLocks || counts.exportMismatches || lostWork ? 1 : 0;
