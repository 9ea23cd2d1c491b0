#!/usr/bin/env node
// Warm per-commit latency of two builds in one process, alternating: each round is `add` + `commit`
// of every checkpoint of the series into a fresh repository with one build, then the other (the
// order swapped every round), so both see the same machine load; the first two rounds warm the JIT
// and are not counted. Prints the median ms (wall and process CPU) of one add + commit per build.
//
//   node bench/store/ab.mjs /path/to/before-checkout /path/to/after-checkout [--rounds 10] [--series bench/store/out/checkpoints]
//
// Each checkout needs built packages/hdf5 and packages/store (its own node_modules links).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { losslessRegistry } from './registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const builds = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--')).map((b) => resolve(b));
if (builds.length !== 2) throw new Error(`give two checkouts to compare, got ${JSON.stringify(builds)}`);
const rounds = Number(arg('rounds', '10'));
if (!(rounds > 2)) throw new Error(`--rounds must be above 2 (two warm-up rounds), got ${arg('rounds')}`);
const dir = resolve(arg('series', join(here, 'out', 'checkpoints')));
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(dir, f));
if (files.length === 0) throw new Error(`no .safetensors files in ${dir}`);

const repos = [];
for (const b of builds) {
  const h5 = await import(join(b, 'packages/hdf5/dist/index.js'));
  await h5.h5ready(); // once per process and build: not part of a commit
  repos.push({ Repository: (await import(join(b, 'packages/store/dist/index.js'))).Repository, registry: await losslessRegistry(b) });
}
const wall = builds.map(() => []);
const cpu = builds.map(() => []);
const scratch = mkdtempSync(join(tmpdir(), 'reef-ab-'));
try {
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const repoDir = join(scratch, 'repo');
      rmSync(repoDir, { recursive: true, force: true });
      mkdirSync(repoDir);
      const repo = repos[k].Repository.init(repoDir, { registry: repos[k].registry });
      const work = join(repoDir, 'model.safetensors');
      for (const [i, f] of files.entries()) {
        copyFileSync(f, work);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await repo.add(['model.safetensors'], { cwd: repoDir });
        repo.commit(`checkpoint ${i}`);
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (r >= 2) {
          wall[k].push(ms);
          cpu[k].push((c.user + c.system) / 1000);
        }
      }
      repo.close();
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
builds.forEach((b, k) => console.log(`${b}: median ${median(wall[k]).toFixed(1)} ms per add + commit, ${median(cpu[k]).toFixed(1)} ms CPU (${wall[k].length} warm commits)`));
console.log(`after / before: ${(median(wall[1]) / median(wall[0])).toFixed(3)} wall, ${(median(cpu[1]) / median(cpu[0])).toFixed(3)} CPU`);
