#!/usr/bin/env node
// The public benchmark series (make-series.py): bytes per file of a Reef repository against three
// baselines computed in the same run, and a byte-exact export of every commit.
//
//   zstd -19        each file compressed whole by the zstd CLI
//   grouped zstd    ZipNN's idea: per file, byte k of every element of the tensors of one width goes
//                   to group k, each group `zstd -19` (plus the safetensors header, zstd -19)
//   xor+grouped     each tensor XORed with its namesake of the same dtype in the latest earlier file
//                   of the series (the previous epoch; the base for a fine-tune; none for the first
//                   file of a dtype), then grouped and zstd -19 as above
//   reef            a repository with @reef/delta-lossless and @reef/delta-cast: every file committed
//                   in series order as `model.safetensors` (add + commit through the store API), bytes
//                   = growth of everything under .reef (packs, manifests, commits, refs, indexes) but
//                   .reef/cache (disposable raw copies of the latest tensors, printed apart)
//
// Usage (after the build and make-series.py):
//   node bench/store/series.mjs [--series DIR] [--repo DIR]
// DIR defaults to $XDG_CACHE_HOME/reef/bench/fmnist-series (~/.cache/... when unset).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from '../../packages/core/dist/index.js';
import deltaCast from '../../plugins/delta-cast/dist/index.js';
import deltaLossless from '../../plugins/delta-lossless/dist/index.js';
import { Repository } from '../../packages/store/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const seriesDir = resolve(arg('series', join(cache, 'reef', 'bench', 'fmnist-series')));
const manifestPath = join(seriesDir, 'series.json');
if (!existsSync(manifestPath)) {
  console.error(`${manifestPath}: no series here; run /usr/bin/python3 bench/store/make-series.py first`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const files = manifest.files.map((f) => ({ ...f, path: join(seriesDir, f.file), bytes: readFileSync(join(seriesDir, f.file)) }));
const repoDir = resolve(arg('repo', mkdtempSync(join(tmpdir(), 'reef-series-'))));
const loadBefore = loadavg()[0];

function zstd19(bytes) {
  const r = spawnSync('zstd', ['-19', '-q', '-c'], { input: bytes, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return r.stdout.length;
}

const WIDTH = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, F8_E4M3: 1, F8_E5M2: 1, U8: 1, I8: 1 };

/** Header bytes and tensors ({ name, dtype, data }) of a safetensors file. */
function parse(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const tensors = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, m]) => ({ name, dtype: m.dtype, data: bytes.subarray(8 + n + m.data_offsets[0], 8 + n + m.data_offsets[1]) }));
  return { header: bytes.subarray(0, 8 + n), tensors };
}

/** Byte grouping: byte k of every element of every tensor of one width into group k; each group zstd -19. */
function groupedZstd(header, tensors) {
  let total = zstd19(header);
  const byWidth = new Map();
  for (const t of tensors) {
    const w = WIDTH[t.dtype] ?? 1;
    if (!byWidth.has(w)) byWidth.set(w, []);
    byWidth.get(w).push(t.data);
  }
  for (const [w, parts] of byWidth) {
    const all = Buffer.concat(parts);
    const n = all.length / w;
    for (let k = 0; k < w; k++) {
      const group = Buffer.alloc(n);
      for (let i = 0; i < n; i++) group[i] = all[i * w + k];
      total += zstd19(group);
    }
  }
  return total;
}

const rows = [];
const seen = new Map(); // `${name} ${dtype}` -> latest data
for (const f of files) {
  const { header, tensors } = parse(f.bytes);
  const xored = tensors.map((t) => {
    const prev = seen.get(`${t.name} ${t.dtype}`);
    if (!prev || prev.length !== t.data.length) return t;
    const data = Buffer.alloc(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = t.data[i] ^ prev[i];
    return { ...t, data };
  });
  for (const t of tensors) seen.set(`${t.name} ${t.dtype}`, t.data);
  rows.push({ file: f.file, role: f.role, raw: f.bytes.length, zstd19: zstd19(f.bytes), grouped: groupedZstd(header, tensors), xorGrouped: groupedZstd(header, xored) });
}

// Reef: one file at a time under one path, as a hub repository's model.safetensors evolves.
const registry = new Registry();
registry.use(deltaLossless, '@reef/delta-lossless');
registry.use(deltaCast, '@reef/delta-cast');
rmSync(repoDir, { recursive: true, force: true });
mkdirSync(repoDir, { recursive: true });
const repo = Repository.init(repoDir, { registry });
let before = repo.stats().bytesOnDisk;
const work = join(repoDir, 'model.safetensors');
let addSeconds = 0;
for (const [i, f] of files.entries()) {
  writeFileSync(work, f.bytes);
  const start = performance.now();
  const [report] = await repo.add(['model.safetensors'], { cwd: repoDir });
  repo.commit(f.file);
  addSeconds += (performance.now() - start) / 1000;
  const after = repo.stats().bytesOnDisk;
  Object.assign(rows[i], { reef: after - before, encodings: report.encodings });
  before = after;
}
repo.close();
const reopened = Repository.open(repoDir, { registry });
const sha = (b) => createHash('sha256').update(b).digest('hex');
let exact = 0;
for (const [i, f] of files.entries()) {
  const out = await reopened.export(`HEAD~${files.length - 1 - i}`, { format: 'safetensors' });
  rows[i].exportExact = sha(out.bytes) === sha(f.bytes);
  if (rows[i].exportExact) exact++;
}
const fsck = await reopened.fsck();
const { bytesOnDisk: total, cacheBytes } = reopened.stats();
reopened.close();

const sum = (key) => rows.reduce((s, r) => s + r[key], 0);
const totals = { raw: sum('raw'), zstd19: sum('zstd19'), grouped: sum('grouped'), xorGrouped: sum('xorGrouped'), reef: total };
const result = { series: seriesDir, manifest: { ...manifest, files: undefined }, loadAverage: [loadBefore, loadavg()[0]], totals, rows, byteExact: `${exact}/${files.length}`, fsckProblems: fsck.problems.length, addCommitSeconds: addSeconds };
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'series-results.json'), JSON.stringify(result, null, 2));
if (!arg('repo')) rmSync(repoDir, { recursive: true, force: true });

const kb = (n) => (n / 1e3).toFixed(1).padStart(9);
const x = (n, d) => (n / d).toFixed(3).padStart(7);
console.log(`series ${seriesDir} (${files.length} files, ${(totals.raw / 1e6).toFixed(2)} MB); load average ${loadBefore.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
console.log(`${'file'.padEnd(30)}      raw kB  zstd-19  grouped  xor+grp     reef  reef/zstd  exact  encodings`);
for (const r of rows) {
  console.log(`${r.file.padEnd(30)} ${kb(r.raw)} ${kb(r.zstd19)}${kb(r.grouped)}${kb(r.xorGrouped)}${kb(r.reef)}  ${x(r.reef, r.zstd19)}  ${r.exportExact ? 'yes' : 'NO '}   ${JSON.stringify(r.encodings)}`);
}
console.log(`${'total (reef: whole .reef)'.padEnd(30)} ${kb(totals.raw)} ${kb(totals.zstd19)}${kb(totals.grouped)}${kb(totals.xorGrouped)}${kb(totals.reef)}  ${x(totals.reef, totals.zstd19)}`);
console.log(`not counted: .reef/cache ${(cacheBytes / 1000).toFixed(0)} kB (raw copies of the latest file's tensors, safe to delete)`);
console.log(`vs zstd -19: grouped ${x(totals.grouped, totals.zstd19)}, xor+grouped ${x(totals.xorGrouped, totals.zstd19)}, reef ${x(totals.reef, totals.zstd19)}; reef / xor+grouped ${x(totals.reef, totals.xorGrouped)}`);
console.log(`byte-exact exports (sha256): ${result.byteExact}; fsck problems: ${result.fsckProblems}; add+commit ${addSeconds.toFixed(1)} s`);
