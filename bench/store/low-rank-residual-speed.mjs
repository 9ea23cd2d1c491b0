#!/usr/bin/env node
// Speed and bytes of the `low-rank-residual` delta type against `xor-planes` on the public series
// (make-series.py): every float tensor of a file encoded against its namesake in the reference
// file and decoded again (byte-exact checked), A/B alternating, --rounds times; medians of wall
// and of this process's CPU time (xor-planes deflates its planes on the thread pool, whose CPU is
// counted here too: process.cpuUsage covers every thread). MB/s = raw tensor bytes / time.
//
// Usage (after the build and make-series.py):
//   node bench/store/low-rank-residual-speed.mjs [--series DIR] [--rounds 7]
import { readFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { lowRankResidual, xorPlanes } from '../../plugins/delta-lossless/dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const seriesDir = resolve(arg('series', join(cache, 'reef', 'bench', 'fmnist-series')));
const rounds = Number(arg('rounds', 7));
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

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const payloadBytes = (p) => Object.values(p.arrays).reduce((s, a) => s + a.data.byteLength, 0);

const pairs = [
  ['epoch-05.safetensors', 'epoch-06.safetensors'],
  ['epoch-06.safetensors', 'finetune.safetensors'],
  ['epoch-06.f16.safetensors', 'lora-merged.f16.safetensors'],
];
console.log(`series ${seriesDir}; ${rounds} rounds, A/B alternating; load average ${loadavg()[0].toFixed(2)}`);
console.log('target (reference)                         type        bytes    enc MB/s wall/cpu   dec MB/s wall/cpu');
for (const [refFile, targetFile] of pairs) {
  const reference = new Map(load(refFile).map((t) => [t.name, t.tensor]));
  const targets = load(targetFile).filter((t) => reference.get(t.name)?.dtype === t.tensor.dtype);
  const raw = targets.reduce((s, t) => s + t.tensor.data.length, 0);
  const runs = { 'xor-planes': { type: xorPlanes, enc: [], encCpu: [], dec: [], decCpu: [] }, 'low-rank-residual': { type: lowRankResidual, enc: [], encCpu: [], dec: [], decCpu: [] } };
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
      `${`${targetFile} (${refFile})`.padEnd(42)} ${id.padEnd(10)} ${String(bytes[id]).padStart(8)}   ${mbs(median(run.enc))} / ${mbs(median(run.encCpu))}    ${mbs(median(run.dec))} / ${mbs(median(run.decCpu))}`,
    );
  }
}
console.log(`load average at the end ${loadavg()[0].toFixed(2)}; every decode byte-exact`);
