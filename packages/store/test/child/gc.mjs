// Child process for the crash test: runs gc, announcing each write step; pauses at one so the
// parent can SIGKILL it there.
import { losslessRegistry } from './registry.mjs';
import { Repository } from '../../dist/index.js';

const [repoDir, pauseAt] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const repo = Repository.open(repoDir, {
  registry: losslessRegistry(),
  onProgress(stage) {
    process.stdout.write(`stage ${stage}\n`);
    if (stage === pauseAt) Atomics.wait(pause, 0, 0, 30_000);
  },
});
await repo.gc();
process.stdout.write('done\n');
