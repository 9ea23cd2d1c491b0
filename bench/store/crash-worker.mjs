// One operation of the crash bench, in its own process so that crash.mjs can SIGKILL it anywhere:
//   commit <i>   write a tracked file's content for iteration i, add it, commit "it <i>" (plain add, then commit)
//   gc           garbage collection
//   cluster      cluster apply (mean centroids) over the tracked variants
//   writer <id> <rounds> <mode>   concurrent-writer mode: `rounds` times, write its own file and
//                add + commit it: mode `plain` (add, then a plain commit: the staging rule keeps
//                writers apart) or `files` (commitFiles: both under one lock); retries while locked
// Prints `start` once the repository is open, `stage <s> <ms>` at each write step (ms since start,
// the store's progress stages, `locked` included) and `committed ...` after a commit returns.
// stdout is a pipe: each line is written synchronously, so every line printed before a kill arrives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TRACKED, content } from './crash-content.mjs';
import { losslessRegistry } from './registry.mjs';

const [root, repoDir, op, a, b, mode = 'plain'] = process.argv.slice(2);
const store = await import(pathToFileURL(join(root, 'packages/store/dist/index.js')).href);
const say = (line) => process.stdout.write(`${line}\n`);
let t0 = 0;
const stage = (s) => say(`stage ${s} ${(performance.now() - t0).toFixed(2)}`);
const repo = store.Repository.open(repoDir, { registry: await losslessRegistry(root), onProgress: stage });
const pause = new Int32Array(new SharedArrayBuffer(4));
t0 = performance.now();
say('start');

/** Runs `fn`, retrying while another process holds the lock (reef fails at once on a held lock, as git does). */
async function whileLocked(fn) {
  for (let tries = 0; ; tries++) {
    try {
      return await fn();
    } catch (err) {
      if (!/locked by process/.test(err.message) || tries > 5000) throw err;
      Atomics.wait(pause, 0, 0, 2 + Math.floor(Math.random() * 10));
    }
  }
}

if (op === 'commit') {
  const i = Number(a);
  const path = TRACKED[i % TRACKED.length];
  writeFileSync(join(repoDir, path), content(store.writeSafetensors, path, i));
  await repo.add([path], { cwd: repoDir });
  const c = repo.commit(`it ${i}`);
  say(`committed ${i} ${c.hash}`);
} else if (op === 'gc') {
  await repo.gc();
} else if (op === 'cluster') {
  await store.applyClusters(repo, { centroid: 'mean', onProgress: stage });
} else if (op === 'writer') {
  const path = `writer-${a}.safetensors`;
  for (let round = 0; round < Number(b); round++) {
    writeFileSync(join(repoDir, path), content(store.writeSafetensors, TRACKED[0], 10_000 * (Number(a) + 1) + round));
    const message = `writer ${a} round ${round}`;
    let c;
    if (mode === 'files') c = await whileLocked(() => repo.commitFiles(message, [path], { cwd: repoDir }));
    else {
      await whileLocked(() => repo.add([path], { cwd: repoDir }));
      c = await whileLocked(() => repo.commit(message));
    }
    say(`committed ${round} ${c.hash}`);
  }
}
repo.close();
stage('done');
