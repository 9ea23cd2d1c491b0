// One operation of the crash bench, in its own process so that crash.mjs can SIGKILL it anywhere:
//   commit <i>   write a tracked file's content for iteration i, add it, commit "it <i>"
//   gc           garbage collection
//   cluster      cluster apply (mean centroids) over the tracked variants
//   writer <id> <rounds>   concurrent-writer mode: add+commit its own file under one lock, `rounds` times
// Prints `start` once the repository is open, `stage <s>` at each write step and `committed ...` after a commit returns.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TRACKED, content } from './crash-content.mjs';
import { losslessRegistry } from './registry.mjs';

const [root, repoDir, op, a, b] = process.argv.slice(2);
const store = await import(pathToFileURL(join(root, 'packages/store/dist/index.js')).href);
const say = (line) => process.stdout.write(`${line}\n`);
const repo = store.Repository.open(repoDir, { registry: await losslessRegistry(root), onProgress: (s) => say(`stage ${s}`) });
const pause = new Int32Array(new SharedArrayBuffer(4));
say('start');
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
  await store.applyClusters(repo, { centroid: 'mean', onProgress: (s) => say(`stage ${s}`) });
} else if (op === 'writer') {
  const path = `writer-${a}.safetensors`;
  for (let round = 0; round < Number(b); round++) {
    writeFileSync(join(repoDir, path), content(store.writeSafetensors, TRACKED[0], 10_000 * (Number(a) + 1) + round));
    for (let tries = 0; ; tries++) {
      try {
        const c = await repo.commitFiles(`writer ${a} round ${round}`, [path], { cwd: repoDir });
        say(`committed ${round} ${c.hash}`);
        break;
      } catch (err) {
        if (!/locked by process/.test(err.message) || tries > 5000) throw err;
        Atomics.wait(pause, 0, 0, 2 + Math.floor(Math.random() * 10));
      }
    }
  }
}
repo.close();
say('done');
