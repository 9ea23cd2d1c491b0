// Child process for the crash test: adds a file and commits, announcing each write step on stdout.
// With a pause stage it stops there (synchronously, mid-operation) so the parent can SIGKILL it.
import { losslessRegistry } from './registry.mjs';
import { Repository } from '../../dist/index.js';

const [repoDir, file, pauseAt] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const repo = Repository.open(repoDir, {
  registry: losslessRegistry(),
  onProgress(stage) {
    process.stdout.write(`stage ${stage}\n`);
    if (stage === pauseAt) Atomics.wait(pause, 0, 0, 30_000);
  },
});
await repo.add([file], { cwd: repoDir });
repo.commit(`commit of ${file}`);
process.stdout.write('done\n');
