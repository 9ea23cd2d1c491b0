#!/usr/bin/env node
// Times each lossy commit of the checkpoint series apart from its `add` (for `node --cpu-prof`
// profiles of where a lossy commit spends its time). Every checkpoint is committed with
// `commitLossy` (the first one against the implicit zero reference).
//
// Usage: node [--cpu-prof --cpu-prof-dir DIR] bench/store-lossy/time-commits.mjs [--bound 1e-3] [--steps 7] [--series DIR] [--repo DIR] [--no-screen]
// (--no-screen: every setting encoded on the whole tensor, QualityBound.screen false; the stored
// hashes printed per commit show whether the screen changed any choice or byte.)
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPUTE_POOL, Registry } from '../../packages/core/dist/index.js';
import { NodeWorkerPool } from '../../packages/kernels/dist/node.js';
import deltaLossless from '../../plugins/delta-lossless/dist/index.js';
import deltaPq from '../../plugins/delta-pq/dist/index.js';
import deltaQuantized from '../../plugins/delta-quantized/dist/index.js';
import { h5ready } from '../../packages/hdf5/dist/index.js';
import { Repository } from '../../packages/store/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seriesDir = resolve(arg('series', join(here, '..', 'store', 'out', 'checkpoints')));
const bound = Number(arg('bound', '1e-3'));
const steps = Number(arg('steps', '7'));
const dir = resolve(arg('repo', join(tmpdir(), 'reef-time-commits')));
const screen = !process.argv.includes('--no-screen');
const files = readdirSync(seriesDir).filter((f) => f.endsWith('.safetensors')).sort().slice(0, steps).map((f) => join(seriesDir, f));

await h5ready();
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// Worker threads for delta-pq's codebook training, as the reef CLI provides them.
const registry = new Registry().provide(COMPUTE_POOL, new NodeWorkerPool());
registry.use(deltaLossless, '@reef/delta-lossless');
registry.use(deltaQuantized);
registry.use(deltaPq);
const repo = Repository.init(dir, { registry });
console.log(`bound ${bound}, screen ${screen}`);
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
let totalCommit = 0;
for (const file of files) {
  writeFileSync(join(dir, 'model.safetensors'), readFileSync(file));
  const t0 = performance.now();
  await repo.add(['model.safetensors'], { cwd: dir });
  const t1 = performance.now();
  const { quality } = await repo.commitLossy(file.split('/').pop(), { maxRelError: bound, screen });
  const t2 = performance.now();
  const types = {};
  for (const t of quality.lossy) types[t.encoding] = (types[t.encoding] ?? 0) + 1;
  const worst = Math.max(0, ...quality.lossy.map((t) => t.relL2));
  console.log(`${file.split('/').pop()}: add ${((t1 - t0) / 1000).toFixed(2)} s, commit ${((t2 - t1) / 1000).toFixed(2)} s, lossy ${JSON.stringify(types)}, lossless ${quality.lossless.length}, worst rel L2 ${worst.toExponential(2)}, stored ${quality.lossy.map((t) => t.stored.slice(0, 8)).join(',')}`);
  totalCommit += (t2 - t1) / 1000;
}
console.log(`commit time total ${totalCommit.toFixed(2)} s, mean ${(totalCommit / files.length).toFixed(2)} s`);
const gc = await repo.gc();
console.log(`bytes on disk after gc: ${repo.stats().bytesOnDisk} (removed ${gc.objectsRemoved} objects)`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
repo.close();
