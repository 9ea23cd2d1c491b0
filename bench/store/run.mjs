#!/usr/bin/env node
// Weight-store benchmark: bytes on disk for a checkpoint series stored as raw safetensors, gzip -9
// and zstd -19 of each file, and a Reef repository; commit throughput; byte-exact checkout.
//
// Usage (after `npx -y pnpm@10 turbo run build --filter=@reef/store...` and train_fmnist.py):
//   node bench/store/run.mjs [--checkpoints bench/store/out/checkpoints] [--repo bench/store/out/repo]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { losslessRegistry } from './registry.mjs';
import { h5ready } from '../../packages/hdf5/dist/index.js';
import { Repository } from '../../packages/store/dist/index.js';

const registry = await losslessRegistry(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const checkpoints = resolve(arg('checkpoints', join(here, 'out', 'checkpoints')));
const repoDir = resolve(arg('repo', join(here, 'out', 'repo')));

const files = readdirSync(checkpoints).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(checkpoints, f));
if (files.length === 0) throw new Error(`no .safetensors files in ${checkpoints}; run train_fmnist.py first`);

function compressedSize(cmd, args, file) {
  const r = spawnSync(cmd, [...args, '-c', file], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout.length;
}

/** Tensor bytes of a safetensors file: everything after the header. */
function tensorBytes(bytes) {
  return bytes.length - 8 - Number(Buffer.from(bytes).readBigUInt64LE(0));
}

const raw = files.map((f) => readFileSync(f).length);
const gzip = files.map((f) => compressedSize('gzip', ['-9', '-n'], f));
const zstd = files.map((f) => compressedSize('zstd', ['-19', '-q'], f));

// The HDF5 (wasm) module starts once per process; timed apart from the commits.
const h5Start = performance.now();
await h5ready();
const h5Seconds = (performance.now() - h5Start) / 1000;

rmSync(repoDir, { recursive: true, force: true });
mkdirSync(repoDir, { recursive: true });
const repo = Repository.init(repoDir, { registry });
const work = join(repoDir, 'model.safetensors');
let commitSeconds = 0;
let commitCpuSeconds = 0; // user + system time of this process: less sensitive to other load on the machine
let tensorTotal = 0;
const perCommit = [];
for (const [i, f] of files.entries()) {
  copyFileSync(f, work);
  const bytes = readFileSync(work);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const [report] = await repo.add(['model.safetensors'], { cwd: repoDir });
  const c = repo.commit(`checkpoint ${i}: ${f.split('/').pop()}`);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  commitCpuSeconds += (cpu.user + cpu.system) / 1e6;
  commitSeconds += seconds;
  tensorTotal += tensorBytes(bytes);
  perCommit.push({ file: f.split('/').pop(), commit: c.hash.slice(0, 12), seconds, storedBytes: report.storedBytes, encodings: report.encodings });
}

// Byte-exact checkout of every commit, from a freshly opened repository (no caches).
repo.close();
const reopened = Repository.open(repoDir, { registry });
let exact = 0;
const checkoutStart = performance.now();
for (const [i, f] of files.entries()) {
  const out = await reopened.export(`HEAD~${files.length - 1 - i}`, { format: 'safetensors' });
  if (Buffer.from(out.bytes).equals(readFileSync(f))) exact++;
}
const checkoutSeconds = (performance.now() - checkoutStart) / 1000;
const fsck = await reopened.fsck();
const stats = reopened.stats();
reopened.close();

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const totals = { raw: sum(raw), gzip9: sum(gzip), zstd19: sum(zstd), reef: stats.bytesOnDisk };
const result = {
  checkpoints: files.length,
  bytesPerCheckpoint: raw[0],
  totals,
  ratios: {
    reefVsRaw: totals.reef / totals.raw,
    reefVsGzip9: totals.reef / totals.gzip9,
    reefVsZstd19: totals.reef / totals.zstd19,
  },
  commitThroughputMBps: tensorTotal / 1e6 / commitSeconds,
  commitSeconds,
  commitCpuThroughputMBps: tensorTotal / 1e6 / commitCpuSeconds,
  commitCpuSeconds,
  hdf5StartSeconds: h5Seconds,
  checkoutThroughputMBps: tensorTotal / 1e6 / checkoutSeconds,
  byteExactCheckouts: `${exact}/${files.length}`,
  fsckProblems: fsck.problems.length,
  byEncoding: stats.byEncoding,
  perCommit,
};
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'results.json'), JSON.stringify(result, null, 2));

const mb = (n) => (n / 1e6).toFixed(3);
console.log(`${files.length} checkpoints of ${mb(raw[0])} MB from ${checkpoints}`);
console.log('storage            total MB   vs raw   vs zstd -19');
for (const [name, v] of Object.entries(totals)) {
  console.log(`${name.padEnd(16)} ${mb(v).padStart(10)}   ${(v / totals.raw).toFixed(3)}    ${(v / totals.zstd19).toFixed(3)}`);
}
console.log(`commit throughput: ${result.commitThroughputMBps.toFixed(1)} MB/s of tensors (add + commit, ${commitSeconds.toFixed(2)} s; HDF5 module start ${h5Seconds.toFixed(2)} s once per process, not included)`);
console.log(`commit throughput by CPU time: ${result.commitCpuThroughputMBps.toFixed(1)} MB/s (${commitCpuSeconds.toFixed(2)} s user+system)`);
console.log(`checkout (export) throughput: ${result.checkoutThroughputMBps.toFixed(1)} MB/s; byte-exact: ${result.byteExactCheckouts}; fsck problems: ${fsck.problems.length}`);
for (const p of perCommit) console.log(`  ${p.file}: ${p.seconds.toFixed(3)} s, ${mb(p.storedBytes)} MB stored, ${JSON.stringify(p.encodings)}`);
console.log('by encoding:', JSON.stringify(stats.byEncoding));
