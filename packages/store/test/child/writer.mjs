// Child process for the concurrent-writer test and bench: `rounds` times, writes its own file
// (content set by writer id and round) and adds + commits it under one lock (commitFiles),
// retrying while another writer holds the lock. Prints `committed <round> <hash>` per round.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { losslessRegistry } from './registry.mjs';
import { Repository, writeSafetensors } from '../../dist/index.js';

const [repoDir, id, rounds] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));

export function writerFile(id, round) {
  const v = new Float32Array(2048).map((_, i) => Math.sin(i * 0.01 * (Number(id) + 1)) + round * 1e-3);
  return writeSafetensors([{ name: `w${id}`, tensor: { dtype: 'f32', shape: [2048], data: new Uint8Array(v.buffer) } }]);
}

if (repoDir) {
  const repo = Repository.open(repoDir, { registry: losslessRegistry() });
  const file = `writer-${id}.safetensors`;
  for (let round = 0; round < Number(rounds); round++) {
    writeFileSync(join(repoDir, file), writerFile(id, round));
    for (let tries = 0; ; tries++) {
      try {
        const c = await repo.commitFiles(`writer ${id} round ${round}`, [file], { cwd: repoDir });
        process.stdout.write(`committed ${round} ${c.hash}\n`);
        break;
      } catch (err) {
        if (!/locked by process/.test(err.message) || tries > 2000) throw err;
        Atomics.wait(pause, 0, 0, 5 + Math.floor(Math.random() * 20));
      }
    }
  }
  repo.close();
}
