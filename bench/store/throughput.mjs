#!/usr/bin/env node
// Commit throughput of the weight store: `add` + `commit` of each checkpoint of a series in turn,
// in MB of tensor bytes per second (wall and process CPU time), median over several runs, each in a
// fresh repository. Series: the Fashion-MNIST CNN checkpoints (train_fmnist.py) and a synthetic
// ~200 MB series (synthetic.mjs). Also reports bytes on disk against zstd -19 of each file when
// `zstd` is installed (--zstd), and checks that every commit exports byte-identical. Per-commit
// latency: the median over all commits of all runs of one `add` + `commit`, in ms, and where it
// goes, from the store's progress stages (encode+write objects until 'parsed', HDF5 close until
// 'pack-written', fsync+rename of the pack, manifest, similarity index + staging index, commit
// record, ref).
//
//   node bench/store/throughput.mjs [--runs 3] [--series dir1,dir2] [--zstd]
//   node bench/store/throughput.mjs --big [...]   a generated 1 GB file through `reef add` (big-add.mjs)
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, writeFileSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { losslessRegistry } from './registry.mjs';

import { h5ready } from '../../packages/hdf5/dist/index.js';
import { Repository } from '../../packages/store/dist/index.js';

if (process.argv.includes('--big')) {
  await import('./big-add.mjs'); // its own arguments; nothing below runs
  process.exit(0);
}

const registry = await losslessRegistry(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', '3'));
const seriesDirs = arg('series', [join(here, 'out', 'checkpoints'), join(here, 'out', 'synthetic')].join(',')).split(',').map((d) => resolve(d));
const withZstd = process.argv.includes('--zstd');
const repoDir = resolve(arg('repo', join(here, 'out', 'throughput-repo')));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Tensor bytes of a safetensors file: everything after the header. */
function tensorBytes(file) {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(8);
  readSync(fd, head, 0, 8, 0);
  closeSync(fd);
  return statSync(file).size - 8 - Number(head.readBigUInt64LE(0));
}

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

await h5ready(); // the HDF5 (wasm) module starts once per process: not part of a commit

console.log(`load average before: ${load()}`);
const summary = [];
for (const dir of seriesDirs) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(dir, f));
  if (files.length === 0) {
    console.log(`${dir}: no .safetensors files, skipped (run train_fmnist.py / synthetic.mjs)`);
    continue;
  }
  const sizes = files.map(tensorBytes);
  const total = sizes.reduce((a, b) => a + b, 0);
  const wall = [];
  const cpu = [];
  const later = []; // commits after the first (deltas against the parent)
  const latencies = []; // ms per add + commit, every commit of every run
  const phases = {}; // ms per progress stage, summed over all commits
  let mark = 0;
  const onProgress = (stage) => {
    const now = performance.now();
    const key = stage.startsWith('parsed ') ? 'encode+objects' : stage;
    phases[key] = (phases[key] ?? 0) + (now - mark);
    mark = now;
  };
  let onDisk = 0;
  let exact = 0;
  for (let r = 0; r < runs; r++) {
    rmSync(repoDir, { recursive: true, force: true });
    mkdirSync(repoDir, { recursive: true });
    const repo = Repository.init(repoDir, { registry, onProgress });
    const work = join(repoDir, 'model.safetensors');
    let seconds = 0;
    let cpuSeconds = 0;
    let laterSeconds = 0;
    for (const [i, f] of files.entries()) {
      copyFileSync(f, work);
      const start = performance.now();
      mark = start;
      const c0 = process.cpuUsage();
      await repo.add(['model.safetensors'], { cwd: repoDir });
      repo.commit(`checkpoint ${i}`);
      const s = (performance.now() - start) / 1000;
      latencies.push(s * 1000);
      const c = process.cpuUsage(c0);
      seconds += s;
      cpuSeconds += (c.user + c.system) / 1e6;
      if (i > 0) laterSeconds += s;
    }
    repo.close();
    wall.push(total / 1e6 / seconds);
    cpu.push(total / 1e6 / cpuSeconds);
    if (files.length > 1) later.push((total - sizes[0]) / 1e6 / laterSeconds);
    if (r === runs - 1) {
      onDisk = dirBytes(join(repoDir, '.reef'));
      const reopened = Repository.open(repoDir, { registry });
      for (const [i, f] of files.entries()) {
        const out = await reopened.export(`HEAD~${files.length - 1 - i}`, { format: 'safetensors' });
        if (Buffer.from(out.bytes).equals(readFileSync(f))) exact++;
      }
      reopened.close();
    }
    console.log(`  ${dir.split('/').pop()} run ${r + 1}: ${wall[r].toFixed(1)} MB/s wall, ${cpu[r].toFixed(1)} MB/s CPU (load ${load()})`);
  }
  let zstd;
  if (withZstd) {
    // zstd -19 of 200 MB takes minutes: sizes are cached next to the series, keyed by file size and time.
    const cachePath = join(dir, 'zstd19-sizes.json');
    const cache = existsSync(cachePath) ? JSON.parse(readFileSync(cachePath, 'utf8')) : {};
    zstd = 0;
    for (const f of files) {
      const key = `${f.split('/').pop()}:${statSync(f).size}:${statSync(f).mtimeMs}`;
      if (cache[key] === undefined) {
        const z = spawnSync('zstd', ['-19', '-q', '-c', f], { maxBuffer: 2 ** 31 });
        if (z.status !== 0) throw new Error(`zstd failed: ${z.stderr}`);
        cache[key] = z.stdout.length;
      }
      zstd += cache[key];
    }
    writeFileSync(cachePath, JSON.stringify(cache, null, 1));
  }
  const raw = files.reduce((n, f) => n + statSync(f).size, 0);
  const row = {
    series: dir.split('/').pop(),
    checkpoints: files.length,
    tensorMB: total / 1e6,
    wallMBps: median(wall),
    cpuMBps: median(cpu),
    laterWallMBps: later.length ? median(later) : undefined,
    commitMsMedian: median(latencies),
    commitMsPhases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Number((v / latencies.length).toFixed(2))])),
    reefVsRaw: onDisk / raw,
    reefVsZstd19: zstd ? onDisk / zstd : undefined,
    byteExact: `${exact}/${files.length}`,
  };
  summary.push(row);
  console.log(JSON.stringify(row));
}
console.log(`load average after: ${load()}`);
console.log('series        ckpts  tensor MB  wall MB/s  CPU MB/s  deltas MB/s  commit ms  reef/raw  reef/zstd-19  exact');
for (const r of summary) {
  console.log(
    `${r.series.padEnd(13)} ${String(r.checkpoints).padStart(5)} ${r.tensorMB.toFixed(1).padStart(10)} ${r.wallMBps.toFixed(1).padStart(10)} ${r.cpuMBps.toFixed(1).padStart(9)}` +
      ` ${(r.laterWallMBps?.toFixed(1) ?? '-').padStart(12)} ${r.commitMsMedian.toFixed(1).padStart(10)} ${r.reefVsRaw.toFixed(3).padStart(9)} ${(r.reefVsZstd19?.toFixed(3) ?? '-').padStart(13)}  ${r.byteExact}`,
  );
}
rmSync(repoDir, { recursive: true, force: true });
