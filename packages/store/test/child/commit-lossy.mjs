// Child process for the lossy-commit crash test: commits what is staged under an error bound,
// announcing each write step on stdout and pausing at one so the parent can SIGKILL it there.
import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaQuantized from '@reef/delta-quantized';
import { Repository } from '../../dist/index.js';

const [repoDir, pauseAt] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const registry = new Registry();
registry.use(deltaLossless, '@reef/delta-lossless');
registry.use(deltaQuantized);
const repo = Repository.open(repoDir, {
  registry,
  onProgress(stage) {
    process.stdout.write(`stage ${stage}\n`);
    if (stage === pauseAt) Atomics.wait(pause, 0, 0, 30_000);
  },
});
await repo.commitLossy('lossy', { maxRelError: 1e-2 });
process.stdout.write('done\n');
