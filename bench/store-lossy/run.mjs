#!/usr/bin/env node
// Lossy weight-store benchmark: bytes on disk and worst measured error for a checkpoint series and
// for fine-tuned variants of one base model, stored losslessly and with `commit --max-rel-error`
// at several bounds, next to zstd -19; decoded checkpoints are exported for the accuracy check.
//
// Usage (after building @reef/store..., @reef/delta-quantized and @reef/delta-pq):
//   node bench/store-lossy/run.mjs [--series bench/store/out/checkpoints] [--variants bench/store-lossy/out/variants]
//        [--bounds lossless,1e-4,1e-3,1e-2] [--codebooks shared,per-tensor] [--datasets series,variants] [--out bench/store-lossy/out]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const variantsDir = resolve(arg('variants', join(here, 'out', 'variants')));
const outDir = resolve(arg('out', join(here, 'out')));
const bounds = arg('bounds', 'lossless,1e-4,1e-3,1e-2').split(',');
const codebookModes = arg('codebooks', 'shared').split(',');
const only = arg('datasets', 'series,variants').split(',');

const list = (dir, re) => readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
const series = list(seriesDir, /\.safetensors$/);
const variantFiles = only.includes('variants') ? list(variantsDir, /^variant-\d+\.safetensors$/) : [];
if (series.length < 2) throw new Error(`no checkpoint series in ${seriesDir}: run bench/store/train_fmnist.py`);
if (only.includes('variants') && variantFiles.length === 0) throw new Error(`no variants in ${variantsDir}: run models.py variants (or pass --datasets series)`);
const base = series[series.length - 1]; // the variants are fine-tuned from the last checkpoint

const pool = new NodeWorkerPool();

function registry() {
  // Worker threads for delta-pq's codebook training, as the reef CLI provides them.
  const r = new Registry().provide(COMPUTE_POOL, pool);
  r.use(deltaLossless, '@reef/delta-lossless');
  r.use(deltaQuantized);
  r.use(deltaPq);
  return r;
}

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

function zstd(file) {
  // Through stdin: zstd skips symbolic links given by name.
  const r = spawnSync('zstd', ['-19', '-q', '-c'], { input: readFileSync(file), maxBuffer: 1 << 30 });
  if (r.status !== 0 || r.stdout.length === 0) throw new Error(`zstd failed on ${file}: ${r.stderr}`);
  return r.stdout.length;
}

/**
 * Stores a dataset in a fresh repository: `steps` are { file, branchFrom? } committed in order under
 * one path (a variant branches from the base commit, so its parent is the base). Returns sizes,
 * errors and the decoded exports.
 */
async function store(name, steps, bound, codebooks) {
  const dir = join(outDir, 'repos', `${name}-${bound}-${codebooks}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const repo = Repository.init(dir, { registry: registry() });
  const work = join(dir, 'model.safetensors');
  const commits = [];
  const start = performance.now();
  for (const step of steps) {
    if (step.branchFrom) {
      repo.createBranch(step.label, step.branchFrom);
      await repo.checkout(step.label, { force: true });
    }
    writeFileSync(work, readFileSync(step.file));
    await repo.add(['model.safetensors'], { cwd: dir });
    const c = bound === 'lossless' ? repo.commit(step.label) : (await repo.commitLossy(step.label, { maxRelError: Number(bound), codebooks })).commit;
    if (step.tag) repo.createTag(step.tag, c.hash);
    commits.push({ step, commit: c });
  }
  const seconds = (performance.now() - start) / 1000;
  const gc = await repo.gc(); // lossy commits leave add's lossless copies behind
  const fsck = await repo.fsck();
  if (fsck.problems.length) throw new Error(`${name} ${bound}: fsck found ${fsck.problems.join('; ')}`);
  const stats = repo.stats();
  let maxRelL2 = 0;
  let lossyTensors = 0;
  let unmet = 0;
  for (const { commit } of commits) {
    for (const t of commit.quality?.lossy ?? []) maxRelL2 = Math.max(maxRelL2, t.relL2);
    lossyTensors += commit.quality?.lossy.length ?? 0;
    unmet += commit.quality?.lossless.filter((f) => f.reason === 'bound').length ?? 0;
  }
  const exportDir = join(outDir, 'exports', `${name}-${bound}-${codebooks}`);
  rmSync(exportDir, { recursive: true, force: true });
  mkdirSync(exportDir, { recursive: true });
  const exports = [];
  for (const { step, commit } of commits) {
    const { bytes } = await repo.export(commit.hash, { format: 'safetensors' });
    const file = join(exportDir, `${step.label}.safetensors`);
    writeFileSync(file, bytes);
    exports.push({ label: step.label, original: step.file, file, exact: Buffer.from(bytes).equals(readFileSync(step.file)) });
  }
  repo.close();
  const byEncoding = Object.fromEntries(Object.entries(stats.byEncoding).map(([k, v]) => [k, { objects: v.objects, storedBytes: v.storedBytes }]));
  return { name, bound, codebooks, bytesOnDisk: dirBytes(join(dir, '.reef')), maxRelL2, lossyTensors, unmet, codebookCount: stats.codebooks.count, codebookBytes: stats.codebooks.bytes, byEncoding, gcRemoved: gc.objectsRemoved, seconds, exports };
}

await h5ready();
const datasets = {
  series: series.map((file, i) => ({ file, label: `epoch-${String(i).padStart(2, '0')}` })),
  variants: [{ file: base, label: 'base', tag: 'base' }, ...variantFiles.map((file, k) => ({ file, label: `variant-${k}`, branchFrom: 'base' }))],
};
for (const name of Object.keys(datasets)) if (!only.includes(name)) delete datasets[name];
const results = [];
for (const [name, steps] of Object.entries(datasets)) {
  const files = steps.map((s) => s.file);
  const raw = files.reduce((s, f) => s + statSync(f).size, 0);
  const z = files.reduce((s, f) => s + zstd(f), 0);
  results.push({ name, bound: 'raw', bytesOnDisk: raw }, { name, bound: 'zstd -19', bytesOnDisk: z });
  for (const bound of bounds) {
    for (const codebooks of bound === 'lossless' ? ['shared'] : codebookModes) {
      const r = await store(name, steps, bound, codebooks);
      results.push(r);
      console.log(`${name} ${bound} (${codebooks}): ${r.bytesOnDisk} bytes, max rel L2 ${r.maxRelL2.toExponential(2)}, ${r.lossyTensors} lossy tensors, ${r.unmet} unmet, ${r.codebookCount} codebooks (${r.codebookBytes} B), ${r.seconds.toFixed(1)} s`);
      console.log(`  ${JSON.stringify(r.byEncoding)}`);
    }
  }
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ results }, null, 2)); // sizes survive a failed evaluation

// Accuracy (one Python run): the last checkpoint of the series and every variant, original and
// decoded under each lossy setting (evaluating every epoch too takes minutes on a loaded machine).
const lossy = results.filter((r) => r.exports && r.bound !== 'lossless');
for (const r of lossy) r.evaluated = r.exports.filter((e) => r.name === 'variants' ? e.label !== 'base' : e.original === series[series.length - 1]);
const files = [...new Set(lossy.flatMap((r) => r.evaluated.flatMap((e) => [e.original, e.file])))];
const py = spawnSync('/usr/bin/python3', [join(here, 'models.py'), 'evaluate', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(`evaluation failed: ${py.stderr}`);
const acc = JSON.parse(py.stdout);
for (const r of lossy) {
  const ratios = r.evaluated.map((e) => acc[e.file] / acc[e.original]);
  r.accuracyRatioMin = Math.min(...ratios);
  r.accuracyRatioMean = ratios.reduce((s, x) => s + x, 0) / ratios.length;
}
for (const r of results) if (r.exports) r.exactExports = r.exports.filter((e) => e.exact).length;
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ accuracy: acc, results }, null, 2));

console.log('\n| dataset | setting | bytes on disk | vs zstd -19 | vs lossless Reef | max rel L2 | lossy tensors | codebooks | accuracy after/before (min, mean) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---|');
for (const name of Object.keys(datasets)) {
  const rows = results.filter((r) => r.name === name);
  const z = rows.find((r) => r.bound === 'zstd -19').bytesOnDisk;
  const ll = rows.find((r) => r.bound === 'lossless')?.bytesOnDisk;
  for (const r of rows) {
    const setting = r.codebooks && r.bound !== 'lossless' ? `${r.bound} (${r.codebooks} codebooks)` : r.bound;
    const accCell = r.accuracyRatioMin === undefined ? (r.bound === 'lossless' ? `exact exports ${r.exactExports}/${r.exports.length}` : '') : `${r.accuracyRatioMin.toFixed(4)}, ${r.accuracyRatioMean.toFixed(4)}`;
    console.log(`| ${name} | ${setting} | ${r.bytesOnDisk.toLocaleString('en-US')} | ${(r.bytesOnDisk / z).toFixed(3)} | ${ll ? (r.bytesOnDisk / ll).toFixed(3) : ''} | ${r.maxRelL2 === undefined ? '' : r.maxRelL2.toExponential(2)} | ${r.lossyTensors ?? ''} | ${r.codebookCount === undefined ? '' : `${r.codebookCount} (${r.codebookBytes} B)`} | ${accCell} |`);
  }
}
