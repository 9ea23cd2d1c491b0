#!/usr/bin/env node
// Clustering benchmark: bytes on disk of a Reef repository before and after `cluster apply` + `gc`,
// with the projection of `cluster analyze` next to it, on (a) fine-tuned variants of one base model
// added in one `add`, (b) the same variants committed one after another, (c) the CNN checkpoint
// series. Every file is exported again afterwards and compared byte for byte; fsck must be clean.
//
// Usage (after building @reef/store, train_fmnist.py and finetune_variants.py):
//   node bench/store/cluster.mjs [--variants bench/store/out/variants] [--checkpoints bench/store/out/checkpoints]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { losslessRegistry } from './registry.mjs';
import { Repository, analyzeClusters, applyClusters } from '../../packages/store/dist/index.js';

const registry = await losslessRegistry(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const variantsDir = resolve(arg('variants', join(here, 'out', 'variants')));
const checkpointsDir = resolve(arg('checkpoints', join(here, 'out', 'checkpoints')));
const work = resolve(arg('work', join(here, 'out', 'cluster')));

const list = (dir) => readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(dir, f));
const dirBytes = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
const zstd = (file) => spawnSync('zstd', ['-19', '-q', '-c', file], { maxBuffer: 1 << 30 }).stdout.length;

/** Builds a repository with `commits` (lists of files added together), then measures each centroid choice. */
async function scenario(name, commits) {
  const files = commits.flat();
  const rows = [];
  for (const centroid of ['auto', 'mean', 'medoid']) {
    const dir = join(work, `${name}-${centroid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const repo = Repository.init(dir, { registry });
    for (const [i, group] of commits.entries()) {
      for (const f of group) copyFileSync(f, join(dir, basename(f)));
      await repo.add(group.map((f) => basename(f)), { cwd: dir });
      repo.commit(`commit ${i}`);
    }
    const before = dirBytes(join(dir, '.reef'));
    const t0 = performance.now();
    const analysis = await analyzeClusters(repo, { centroid });
    const analyzeSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const applied = await applyClusters(repo, { centroid });
    const applySeconds = (performance.now() - t1) / 1000;
    await repo.gc();
    repo.close();
    const after = dirBytes(join(dir, '.reef'));
    const fresh = Repository.open(dir, { registry });
    let exact = 0;
    const log = fresh.log();
    for (const c of log) {
      for (const path of Object.keys(c.tree)) {
        const out = await fresh.export(c.hash, { format: 'safetensors', path });
        if (Buffer.from(out.bytes).equals(readFileSync(files.find((f) => basename(f) === path) ?? ''))) exact++;
      }
    }
    const exports = log.reduce((n, c) => n + Object.keys(c.tree).length, 0);
    const fsck = await fresh.fsck();
    const stats = fresh.stats();
    fresh.close();
    rows.push({
      centroid,
      before,
      after,
      ratio: after / before,
      projectedSaving: analysis.bytesNow - analysis.bytesProjected,
      actualSaving: before - after,
      clusters: analysis.clusters.length,
      paying: analysis.clusters.filter((c) => c.pays).length,
      kinds: analysis.clusters.filter((c) => c.pays).map((c) => c.centroidKind),
      reencoded: applied.membersReencoded,
      centroids: applied.centroidsWritten,
      analyzeSeconds,
      applySeconds,
      byteExact: `${exact}/${exports}`,
      fsckProblems: fsck.problems.length,
      byEncoding: stats.byEncoding,
    });
    rmSync(dir, { recursive: true, force: true });
  }
  const raw = files.reduce((n, f) => n + statSync(f).size, 0);
  const zstd19 = files.reduce((n, f) => n + zstd(f), 0);
  return { name, files: files.length, raw, zstd19, rows };
}

const variants = list(variantsDir);
const checkpoints = list(checkpointsDir);
if (variants.length === 0 || checkpoints.length === 0) throw new Error('run train_fmnist.py and finetune_variants.py first');
const base = checkpoints[checkpoints.length - 1];
mkdirSync(work, { recursive: true });
const results = [
  await scenario('variants-one-add', [[base, ...variants]]),
  await scenario('variants-one-by-one', [[base], ...variants.map((v) => [v])]),
  await scenario('checkpoint-series', checkpoints.map((c) => [c])),
];
rmSync(work, { recursive: true, force: true });
writeFileSync(join(here, 'out', 'cluster-results.json'), JSON.stringify(results, null, 2));

const mb = (n) => (n / 1e6).toFixed(3);
for (const r of results) {
  console.log(`\n${r.name}: ${r.files} files, raw ${mb(r.raw)} MB, zstd -19 ${mb(r.zstd19)} MB`);
  console.log('centroid  before MB  after MB  after/before  projected saving  actual saving  clusters paying  re-encoded  centroids  byte-exact  fsck  analyze s  apply s');
  for (const x of r.rows) {
    console.log(
      `${x.centroid.padEnd(8)}  ${mb(x.before).padStart(9)}  ${mb(x.after).padStart(8)}  ${x.ratio.toFixed(3).padStart(12)}  ${mb(x.projectedSaving).padStart(16)}  ${mb(x.actualSaving).padStart(13)}  ${`${x.paying}/${x.clusters}`.padStart(15)}  ${String(x.reencoded).padStart(10)}  ${String(x.centroids).padStart(9)}  ${x.byteExact.padStart(10)}  ${String(x.fsckProblems).padStart(4)}  ${x.analyzeSeconds.toFixed(1).padStart(9)}  ${x.applySeconds.toFixed(1).padStart(7)}`,
    );
  }
}
