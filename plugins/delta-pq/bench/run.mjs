// Delta-type benchmark on a real fine-tuning series (see fmnist_mlp.py for how it is made):
//   flock /tmp/reef-bench.lock /usr/bin/python3 fmnist_mlp.py train /tmp/reef-delta-bench
//   flock /tmp/reef-bench.lock node run.mjs /tmp/reef-delta-bench
// Each checkpoint ft-k is encoded against its predecessor (base, ft-1, ...), tensor by tensor, with
// every setting below; bytes are the payload arrays as stored, and deflated (zlib level 9) as a
// store with HDF5 gzip would keep them. A type that refuses a tensor (low-rank on 1-D biases) falls
// back to the lossless XOR-planes baseline for that tensor. The decoded last checkpoint of each
// setting is written out and its test accuracy measured with PyTorch.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { Registry } from '@reef/core';
import { float64ToTensor, tensorToFloat64 } from '@reef/core/delta';
// The int8/low-rank settings compared here come from the sibling plugin, loaded from its build
// (build @reef/delta-quantized first): delta-pq itself does not depend on it.
import quantized from '../../delta-quantized/dist/index.js';
import pq, { encodeResidual } from '@reef/delta-pq';

const dir = process.argv[2] ?? '/tmp/reef-delta-bench';
const registry = new Registry();
registry.use(quantized);
registry.use(pq);

function readSafetensors(path) {
  const file = readFileSync(path);
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString());
  const out = new Map();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    out.set(name, { dtype: 'f32', shape: e.shape, data: new Uint8Array(file.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1])) });
  }
  return out;
}

function writeSafetensors(path, tensors) {
  const header = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let h = JSON.stringify(header);
  h += ' '.repeat((8 - (h.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(path, Buffer.concat([len, Buffer.from(h), ...[...tensors.values()].map((t) => Buffer.from(t.data))]));
}

const settings = [
  ['int8/channel', 'int8', {}],
  ['int8/tensor', 'int8', { granularity: 'tensor' }],
  ['int16/channel', 'int16', {}],
  ['sparse keep 10%', 'sparse-threshold', { keep_fraction: 0.1 }],
  ['sparse keep 30%', 'sparse-threshold', { keep_fraction: 0.3 }],
  ['low-rank energy 0.9', 'low-rank', { energy: 0.9 }],
  ['low-rank rank 32', 'low-rank', { rank: 32 }],
  ['pq-lossy d8 m4 8b', 'pq-lossy', {}],
  ['pq-lossy d8 m8 8b', 'pq-lossy', { m: 8 }],
  ['pq-lossless d8 m4 8b', 'pq-lossless', {}],
];

const bytesOf = (arrays) => Object.values(arrays).reduce((s, a) => s + a.data.byteLength, 0);
const deflatedOf = (arrays) => Object.values(arrays).reduce((s, a) => s + deflateSync(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), { level: 9 }).length, 0);

const files = ['base', 'ft-1', 'ft-2', 'ft-3'].map((f) => readSafetensors(`${dir}/${f}.safetensors`));
let rawBytes = 0;
let xorBytes = 0;
const rows = [];
for (let k = 1; k < files.length; k++) {
  for (const [name, t] of files[k]) {
    rawBytes += t.data.length;
    xorBytes += encodeResidual(t.data, files[k - 1].get(name).data, 4).length;
  }
}
const zstdBytes = ['ft-1', 'ft-2', 'ft-3'].reduce((s, f) => s + execFileSync('zstd', ['-19', '-c', `${dir}/${f}.safetensors`]).length, 0);

for (const [label, id, params] of settings) {
  const type = registry.deltaType(id);
  let stored = 0;
  let deflated = 0;
  let worstRel = 0;
  let worstAbs = 0;
  let fallbacks = 0;
  let ms = 0;
  let lastDecoded;
  for (let k = 1; k < files.length; k++) {
    lastDecoded = new Map();
    for (const [name, target] of files[k]) {
      const reference = files[k - 1].get(name);
      if (type.supports?.(target, reference)) {
        fallbacks++;
        const residual = encodeResidual(target.data, reference.data, 4);
        stored += residual.length;
        deflated += residual.length;
        lastDecoded.set(name, target);
        continue;
      }
      const t0 = performance.now();
      const payload = await type.encode(target, reference, { params });
      ms += performance.now() - t0;
      const decoded = await type.decode(payload, reference);
      stored += bytesOf(payload.arrays);
      deflated += deflatedOf(payload.arrays);
      if (!type.lossless) {
        worstRel = Math.max(worstRel, payload.attributes.rel_l2_error);
        worstAbs = Math.max(worstAbs, payload.attributes.max_abs_error);
      } else if (!Buffer.from(decoded.data).equals(Buffer.from(target.data))) throw new Error(`${label}: ${name} not byte-exact`);
      lastDecoded.set(name, decoded);
    }
  }
  const path = `${dir}/decoded-${label.replace(/[^a-z0-9]+/gi, '_')}.safetensors`;
  writeSafetensors(path, lastDecoded);
  rows.push({ label, stored, deflated, worstRel, worstAbs, fallbacks, ms, path });
}

const accuracy = new Map(
  execFileSync('/usr/bin/python3', [new URL('./fmnist_mlp.py', import.meta.url).pathname, 'eval', `${dir}/ft-3.safetensors`, ...rows.map((r) => r.path)])
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([p, a]) => [p, Number(a)]),
);
const original = accuracy.get(`${dir}/ft-3.safetensors`);
console.log(`series: 3 fine-tuning checkpoints of a 784-256-128-10 MLP, each against its predecessor; raw tensors ${rawBytes} B`);
console.log(`baselines: zstd -19 of the 3 files ${zstdBytes} B (${(rawBytes / zstdBytes).toFixed(2)}x); lossless XOR-planes+deflate vs predecessor ${xorBytes} B (${(rawBytes / xorBytes).toFixed(2)}x)`);
console.log('setting | stored B | deflated B | ratio raw/deflated | vs XOR-lossless | worst rel L2 | worst max abs | fallbacks | encode s | acc ft-3 / original');
for (const r of rows) {
  console.log(
    [r.label, r.stored, r.deflated, (rawBytes / r.deflated).toFixed(2) + 'x', (xorBytes / r.deflated).toFixed(2) + 'x', r.worstRel.toExponential(2), r.worstAbs.toExponential(2), r.fallbacks, (r.ms / 1000).toFixed(1), (accuracy.get(r.path) / original).toFixed(4)].join(' | '),
  );
}
console.log(`original ft-3 test accuracy ${original}`);
