#!/usr/bin/env node
// Where a commit's encoding time goes, per tensor: the bytes and CPU time of whole storage and of
// each lossless delta type against the previous checkpoint's tensor, and which one wins. Used to
// decide which trials `encodeTensor` may skip (see packages/store/src/encode.ts).
//
//   node bench/store/trials.mjs [--series bench/store/out/checkpoints] [--reps 3]
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packPlanesAsync } from '../../packages/codecs/dist/node.js';
import { floatDiff, sparse, xorPlanes } from '../../plugins/delta-lossless/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const dir = resolve(arg('series', join(here, 'out', 'checkpoints')));
const reps = Number(arg('reps', '3'));
const WIDTH = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4 };
const DTYPE = { F32: 'f32', F64: 'f64', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32' };

function readSafetensors(path) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString());
  const out = new Map();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = e.data_offsets;
    out.set(name, { dtype: DTYPE[e.dtype], shape: e.shape, data: new Uint8Array(buf.subarray(8 + n + a, 8 + n + b)), width: WIDTH[e.dtype] });
  }
  return out;
}

const payloadBytes = (p) => JSON.stringify(p.attributes).length + Object.values(p.arrays).reduce((s, a) => s + a.data.byteLength, 0);
const options = [
  ['whole', async (t) => (await packPlanesAsync(t.data, t.width, 6, t.dtype)).bytes.length + 64],
  ...[xorPlanes, floatDiff, sparse].map((p) => [p.id, async (t, r) => (p.supports(t, r) ? undefined : payloadBytes(await p.encode(t, r)))]),
];

const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
const totals = Object.fromEntries(options.map(([id]) => [id, { ms: 0, wins: 0 }]));
let chosenBytes = 0;
for (let i = 1; i < files.length; i++) {
  const prev = readSafetensors(join(dir, files[i - 1]));
  const cur = readSafetensors(join(dir, files[i]));
  for (const [name, t] of cur) {
    const r = prev.get(name);
    const row = [];
    let best;
    for (const [id, run] of options) {
      let bytes;
      const ms = [];
      for (let k = 0; k < reps; k++) {
        const s = performance.now();
        bytes = await run(t, r);
        ms.push(performance.now() - s);
      }
      if (bytes === undefined) continue;
      const m = ms.sort((a, b) => a - b)[Math.floor(reps / 2)];
      totals[id].ms += m;
      row.push(`${id} ${bytes} B ${m.toFixed(2)} ms`);
      if (!best || bytes < best.bytes) best = { id, bytes };
    }
    totals[best.id].wins++;
    chosenBytes += best.bytes;
    if (i === 1 || t.data.length > 1 << 20) console.log(`${files[i]} ${name} (${t.data.length} B): ${row.join(' | ')} -> ${best.id}`);
  }
}
console.log('per type over the series (median ms per trial, summed):');
for (const [id, v] of Object.entries(totals)) console.log(`  ${id.padEnd(11)} ${v.ms.toFixed(1).padStart(8)} ms  wins ${v.wins}`);
console.log(`payload bytes of the smallest option per tensor, summed: ${chosenBytes}`);
