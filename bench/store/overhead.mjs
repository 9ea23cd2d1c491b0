#!/usr/bin/env node
// Where each commit of the public series (make-series.py) goes on disk: the growth of each kind of
// file under .reef per commit (HDF5 pack files, pack manifests, commit records, similarity index,
// staging index and the rest), beside the stored payload bytes the manifests list.
//
//   node bench/store/overhead.mjs [--series DIR] [--build ROOT]
//
// --build: a checkout whose packages are built (default: this one), e.g. a worktree of main, to
// compare layouts on the same series. Bytes only: nothing here is timed.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const root = resolve(arg('build', join(dirname(fileURLToPath(import.meta.url)), '..', '..')));
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { Registry } = await load('packages/core/dist/index.js');
const deltaCast = (await load('plugins/delta-cast/dist/index.js')).default;
const deltaLossless = (await load('plugins/delta-lossless/dist/index.js')).default;
const { Repository } = await load('packages/store/dist/index.js');

const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const seriesDir = resolve(arg('series', join(cache, 'reef', 'bench', 'fmnist-series')));
const manifest = JSON.parse(readFileSync(join(seriesDir, 'series.json'), 'utf8'));

/** Bytes under .reef by kind. */
function kinds(reef) {
  const out = { hdf5: 0, manifests: 0, commits: 0, similarity: 0, index: 0, other: 0, payload: 0 };
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const size = statSync(p).size;
        const kind = p.includes('/packs/') ? (e.name.endsWith('.h5') ? 'hdf5' : 'manifests') : p.includes('/commits/') ? 'commits' : e.name === 'similarity.json' ? 'similarity' : e.name === 'index.json' ? 'index' : 'other';
        out[kind] += size;
        if (p.includes('/packs/') && e.name.endsWith('.json')) for (const o of JSON.parse(readFileSync(p, 'utf8')).objects) out.payload += o.storedBytes;
      }
    }
  };
  walk(reef);
  return out;
}

const registry = new Registry();
registry.use(deltaLossless, '@reef/delta-lossless');
registry.use(deltaCast, '@reef/delta-cast');
const dir = mkdtempSync(join(tmpdir(), 'reef-overhead-'));
const repo = Repository.init(dir, { registry });
let before = kinds(join(dir, '.reef'));
console.log(`build ${root}; series ${seriesDir}`);
console.log(`${'file'.padEnd(28)} ${['total', 'payload', 'hdf5', 'manifests', 'commits', 'similarity', 'index', 'other'].map((h) => h.padStart(10)).join('')}`);
for (const f of manifest.files) {
  writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(seriesDir, f.file)));
  await repo.add(['model.safetensors'], { cwd: dir });
  repo.commit(f.file);
  const after = kinds(join(dir, '.reef'));
  const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
  const total = d.hdf5 + d.manifests + d.commits + d.similarity + d.index + d.other;
  console.log(`${f.file.padEnd(28)} ${[total, d.payload, d.hdf5, d.manifests, d.commits, d.similarity, d.index, d.other].map((n) => String(n).padStart(10)).join('')}`);
  before = after;
}
repo.close();
rmSync(dir, { recursive: true, force: true });
