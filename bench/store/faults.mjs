#!/usr/bin/env node
// Minor page faults, ms and system CPU of each add + commit of a checkpoint series, for four runs
// (each a fresh repository) in one process: on this VM a first touch of a 4 KiB page costs
// ~11–15 µs, so the faults of runs 1–2 show how much fresh memory a commit takes.
//
//   node bench/store/faults.mjs [--root /path/to/reef-checkout] [--series dir] [--runs 4]
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { losslessRegistry } from './registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const root = resolve(arg('root', join(here, '..', '..')));
const dir = resolve(arg('series', join(here, 'out', 'checkpoints')));
const runs = Number(arg('runs', '4'));
const { h5ready } = await import(pathToFileURL(join(root, 'packages/hdf5/dist/index.js')).href);
const { Repository } = await import(pathToFileURL(join(root, 'packages/store/dist/index.js')).href);
await h5ready();
const registry = await losslessRegistry(root);
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(dir, f));
const repoDir = join(tmpdir(), `reef-faults-${process.pid}`);
console.log(`${root} (load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
for (let run = 1; run <= runs; run++) {
  rmSync(repoDir, { recursive: true, force: true });
  mkdirSync(repoDir, { recursive: true });
  const repo = Repository.init(repoDir, { registry });
  const rows = [];
  let faults = 0;
  let ms = 0;
  for (const [i, f] of files.entries()) {
    copyFileSync(f, join(repoDir, 'model.safetensors'));
    const r0 = process.resourceUsage();
    const t = performance.now();
    await repo.add(['model.safetensors'], { cwd: repoDir });
    repo.commit(`c${i}`);
    const dt = performance.now() - t;
    const r1 = process.resourceUsage();
    const df = r1.minorPageFault - r0.minorPageFault;
    faults += df;
    ms += dt;
    rows.push(`${dt.toFixed(1)}ms/${df}f/${((r1.systemCPUTime - r0.systemCPUTime) / 1000).toFixed(0)}sys`);
  }
  repo.close();
  console.log(`run ${run}: ${ms.toFixed(0)} ms, ${faults} faults | ${rows.join(' ')} | rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}
rmSync(repoDir, { recursive: true, force: true });
