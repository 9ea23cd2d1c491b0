// Child process for the cluster crash test: runs cluster apply, announcing each write step on
// stdout; pauses at one (synchronously, mid-operation) so the parent can SIGKILL it there.
import { losslessRegistry } from './registry.mjs';
import { Repository, applyClusters } from '../../dist/index.js';

const [repoDir, pauseAt] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const repo = Repository.open(repoDir, { registry: losslessRegistry() });
await applyClusters(repo, {
  centroid: 'mean', // the path that writes a new centroid object
  onProgress(stage) {
    process.stdout.write(`stage ${stage}\n`);
    if (stage === pauseAt) Atomics.wait(pause, 0, 0, 30_000);
  },
});
process.stdout.write('done\n');
