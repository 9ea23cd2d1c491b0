#!/usr/bin/env node
// Entropy stage trials on the public series (make-series.py): for every byte plane of every tensor
// of at least 4096 elements, the bytes of each coder the store could use, summed by plane role.
//
//   deflate    the best of zlib's Huffman-only, RLE and default strategies, level 9
//   zstd -19   the zstd CLI at level 19 with long-range matching (--long=27), per plane: what a zstd
//              binding from npm (WASM or native) would produce at that level
//   context    @reef/codecs' context-coded planes (adaptive arithmetic coder; top two planes only)
//   raw        the plane as is
//
// Planes are those the store codes: whole tensors (the first file of each dtype) and XOR deltas
// against the tensor's namesake of the same dtype in the latest earlier file (as xor-planes does).
//
//   node bench/store/planes.mjs [--series DIR]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { constants, deflateSync } from 'node:zlib';
import { contextCodable, encodeContextPlane, layoutFor, toPlanes } from '../../packages/codecs/dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seriesDir = resolve(arg('series', join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'reef', 'bench', 'fmnist-series')));
const manifest = JSON.parse(readFileSync(join(seriesDir, 'series.json'), 'utf8'));
const DTYPE = { F32: ['f32', 4], F16: ['f16', 2], BF16: ['bf16', 2] };

function tensors(file) {
  const bytes = readFileSync(join(seriesDir, file));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  return Object.entries(header)
    .filter(([k, m]) => k !== '__metadata__' && DTYPE[m.dtype])
    .map(([name, m]) => ({ name, dtype: m.dtype, data: new Uint8Array(bytes.subarray(8 + n + m.data_offsets[0], 8 + n + m.data_offsets[1])) }));
}

const deflateBest = (p) => Math.min(...[constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_DEFAULT_STRATEGY].map((strategy) => deflateSync(p, { level: 9, strategy }).length));
function zstd19(p) {
  const r = spawnSync('zstd', ['-19', '--long=27', '-q', '-c'], { input: p, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return r.stdout.length;
}

const totals = new Map(); // `${kind} ${dtype} plane k` -> sums
const seen = new Map();
const load = loadavg()[0];
for (const { file } of manifest.files) {
  for (const t of tensors(file)) {
    const [dtype, width] = DTYPE[t.dtype];
    const key = `${t.name} ${t.dtype}`;
    const reference = seen.get(key);
    seen.set(key, t.data);
    const n = t.data.length / width;
    if (n < 4096) continue;
    const layout = layoutFor(dtype);
    const planes = toPlanes(t.data, width, layout, reference);
    for (let k = 0; k < width; k++) {
      const plane = planes.subarray(k * n, (k + 1) * n);
      const row = `${reference ? 'xor  ' : 'whole'} ${dtype.padEnd(4)} plane ${k}${k === width - 1 ? ' (top)' : ''}`;
      const sums = totals.get(row) ?? { raw: 0, deflate: 0, zstd: 0, context: 0 };
      sums.raw += n;
      sums.deflate += deflateBest(plane);
      sums.zstd += zstd19(plane);
      sums.context += contextCodable(dtype, width, layout) && k >= width - 2 ? encodeContextPlane(planes, width, k, dtype, reference).length : n;
      totals.set(row, sums);
    }
  }
}
console.log(`series ${seriesDir}; load average ${load.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
console.log(`${'planes'.padEnd(28)}     raw kB  deflate-9   zstd-19  context   best`);
const kb = (x) => (x / 1e3).toFixed(1).padStart(9);
for (const [row, s] of [...totals].sort()) {
  const best = Object.entries(s).sort((a, b) => a[1] - b[1])[0][0];
  console.log(`${row.padEnd(28)} ${kb(s.raw)}  ${kb(s.deflate)} ${kb(s.zstd)}${kb(s.context)}   ${best}`);
}
