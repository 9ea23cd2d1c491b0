#!/usr/bin/env node
// Speed and bytes of the `low-rank-residual` delta type against `xor-planes` on the public series
// (make-series.py): every float tensor of a file encoded against its namesake in the reference
// file and decoded again (byte-exact checked), A/B alternating, --rounds times; medians of wall
// and of this process's CPU time (xor-planes deflates its planes on the thread pool, whose CPU is
// counted here too: process.cpuUsage covers every thread). MB/s = raw tensor bytes / time.
//
// Then, as the CLI meets it, in a fresh process per run (cold JIT): the three matrices of
// bench/cli-startup.mjs's 2 MB checkpoint (epoch 2 against epoch 1: fixed weights plus a rank-2
// step), each encoded and decoded once per process, --rounds processes; medians of CPU time per
// tensor and in all (process.cpuUsage, every thread: the JIT's and GC's too).
//
// --baseline DIR: also a second build of the plugin (DIR: another checkout's
// plugins/delta-lossless/dist), as "low-rank-residual (baseline)", interleaved with this one.
//
// Usage (after the build and make-series.py):
//   node bench/store/low-rank-residual-speed.mjs [--series DIR] [--rounds 7] [--baseline DIR]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE_DIST = fileURLToPath(new URL('../../plugins/delta-lossless/dist/', import.meta.url));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
/** The cli-startup checkpoint's tensors of one epoch (bench/cli-startup.mjs's generator). */
function checkpoint(epoch) {
  const shapes = [['conv.weight', [256, 1024]], ['fc1.weight', [256, 512]], ['fc2.weight', [256, 512]], ['fc2.bias', [256]]];
  let s = 12345;
  return shapes.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = (s / 2 ** 32 - 0.5) * 0.1 + epoch * 1e-4 * Math.sin(i + epoch);
    }
    return { name, tensor: { dtype: 'f32', shape, data: new Uint8Array(data.buffer) } };
  });
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// A child run: one fresh process, the checkpoint's matrices once each; prints JSON.
if (process.argv[2] === '--child') {
  const { lowRankResidual } = await import(pathToFileURL(join(process.argv[3], 'index.js')).href);
  const [before, after] = [checkpoint(1), checkpoint(2)];
  const out = {};
  for (let k = 0; k < 3; k++) {
    let cpu = cpuMs();
    const payload = lowRankResidual.encode(after[k].tensor, before[k].tensor);
    const enc = cpuMs() - cpu;
    cpu = cpuMs();
    const back = lowRankResidual.decode(payload, before[k].tensor);
    const dec = cpuMs() - cpu;
    if (Buffer.compare(Buffer.from(back.data), Buffer.from(after[k].tensor.data)) !== 0) throw new Error(`${after[k].name} is not byte-exact`);
    out[after[k].name] = { enc, dec, bytes: Object.values(payload.arrays).reduce((s, a) => s + a.data.byteLength, 0), rank: payload.attributes.rank };
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const seriesDir = resolve(arg('series', join(cache, 'reef', 'bench', 'fmnist-series')));
const rounds = Number(arg('rounds', 7));
const baselineDist = arg('baseline') ? resolve(arg('baseline')) : null;
const { lowRankResidual, xorPlanes } = await import(pathToFileURL(join(HERE_DIST, 'index.js')).href);
const baseline = baselineDist ? (await import(pathToFileURL(join(baselineDist, 'index.js')).href)).lowRankResidual : null;
const DTYPES = { F32: 'f32', F16: 'f16', BF16: 'bf16' };

/** The float tensors of a safetensors file. */
function load(file) {
  const bytes = readFileSync(join(seriesDir, file));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  return Object.entries(header)
    .filter(([name, m]) => name !== '__metadata__' && DTYPES[m.dtype])
    .map(([name, m]) => ({ name, tensor: { dtype: DTYPES[m.dtype], shape: m.shape, data: new Uint8Array(bytes.subarray(8 + n + m.data_offsets[0], 8 + n + m.data_offsets[1])) } }));
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const payloadBytes = (p) => Object.values(p.arrays).reduce((s, a) => s + a.data.byteLength, 0);

const pairs = [
  ['epoch-05.safetensors', 'epoch-06.safetensors'],
  ['epoch-06.safetensors', 'finetune.safetensors'],
  ['epoch-06.f16.safetensors', 'lora-merged.f16.safetensors'],
];
console.log(`series ${seriesDir}; ${rounds} rounds, A/B alternating; load average ${loadavg()[0].toFixed(2)}`);
console.log('target (reference)                         type                          bytes    enc MB/s wall/cpu   dec MB/s wall/cpu');
for (const [refFile, targetFile] of pairs) {
  const reference = new Map(load(refFile).map((t) => [t.name, t.tensor]));
  const targets = load(targetFile).filter((t) => reference.get(t.name)?.dtype === t.tensor.dtype);
  const raw = targets.reduce((s, t) => s + t.tensor.data.length, 0);
  const runs = { 'xor-planes': { type: xorPlanes, enc: [], encCpu: [], dec: [], decCpu: [] }, 'low-rank-residual': { type: lowRankResidual, enc: [], encCpu: [], dec: [], decCpu: [] } };
  if (baseline) runs['low-rank-residual (baseline)'] = { type: baseline, enc: [], encCpu: [], dec: [], decCpu: [] };
  const bytes = {};
  for (let round = 0; round < rounds; round++) {
    for (const [id, run] of round % 2 ? Object.entries(runs).reverse() : Object.entries(runs)) {
      const payloads = [];
      let wall = performance.now();
      let cpu = cpuMs();
      for (const t of targets) payloads.push(await run.type.encode(t.tensor, reference.get(t.name)));
      run.enc.push(performance.now() - wall);
      run.encCpu.push(cpuMs() - cpu);
      wall = performance.now();
      cpu = cpuMs();
      const back = [];
      for (let k = 0; k < targets.length; k++) back.push(await run.type.decode(payloads[k], reference.get(targets[k].name)));
      run.dec.push(performance.now() - wall);
      run.decCpu.push(cpuMs() - cpu);
      back.forEach((b, k) => {
        if (Buffer.compare(Buffer.from(b.data), Buffer.from(targets[k].tensor.data)) !== 0) throw new Error(`${id}: ${targets[k].name} of ${targetFile} is not byte-exact`);
      });
      bytes[id] = payloads.reduce((s, p) => s + payloadBytes(p), 0);
    }
  }
  for (const [id, run] of Object.entries(runs)) {
    const mbs = (ms) => (raw / 1e6 / (ms / 1000)).toFixed(1).padStart(6);
    console.log(
      `${`${targetFile} (${refFile})`.padEnd(42)} ${id.padEnd(28)} ${String(bytes[id]).padStart(8)}   ${mbs(median(run.enc))} / ${mbs(median(run.encCpu))}    ${mbs(median(run.dec))} / ${mbs(median(run.decCpu))}`,
    );
  }
}

// Fresh processes, alternating builds.
const builds = baselineDist ? [['low-rank-residual', HERE_DIST], ['low-rank-residual (baseline)', baselineDist]] : [['low-rank-residual', HERE_DIST]];
const fresh = Object.fromEntries(builds.map(([id]) => [id, []]));
for (let round = 0; round < rounds; round++) {
  for (const [id, dist] of round % 2 ? [...builds].reverse() : builds) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dist], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`child run of ${id} failed: ${run.stderr}`);
    fresh[id].push(JSON.parse(run.stdout));
  }
}
const names = Object.keys(fresh[builds[0][0]][0]);
const rawBytes = { 'conv.weight': 256 * 1024 * 4, 'fc1.weight': 256 * 512 * 4, 'fc2.weight': 256 * 512 * 4 };
console.log(`\ncli-startup checkpoint (epoch 2 against epoch 1), a fresh process per run, ${rounds} runs alternating: median CPU ms (MB/s)`);
console.log(`build                          ${names.map((n) => `${n} enc / dec`.padStart(26)).join('')}      all enc / dec   bytes`);
const cell = (ms, raw) => `${ms.toFixed(1)} (${(raw / 1e6 / (ms / 1000)).toFixed(1)})`;
for (const [id] of builds) {
  const runs = fresh[id];
  const perTensor = names.map((n) => `${cell(median(runs.map((r) => r[n].enc)), rawBytes[n])} / ${cell(median(runs.map((r) => r[n].dec)), rawBytes[n])}`.padStart(26));
  const all = (key) => median(runs.map((r) => names.reduce((s, n) => s + r[n][key], 0)));
  const total = names.reduce((s, n) => s + rawBytes[n], 0);
  console.log(`${id.padEnd(30)} ${perTensor.join('')}  ${cell(all('enc'), total)} / ${cell(all('dec'), total)}   ${names.reduce((s, n) => s + runs[0][n].bytes, 0)}`);
}
console.log(`load average at the end ${loadavg()[0].toFixed(2)}; every decode byte-exact`);
