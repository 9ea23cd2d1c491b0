import { parseSafetensors } from './dist/index.js';
import { splitPlanes } from '@reef/delta-lossless';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
const dir = process.argv[2];
const a = parseSafetensors(new Uint8Array(readFileSync(`${dir}/${process.argv[3]}`)), 'a').tensors;
const b = parseSafetensors(new Uint8Array(readFileSync(`${dir}/${process.argv[4]}`)), 'b').tensors;
const big = (ts) => ts.reduce((x, y) => (y.tensor.data.length > x.tensor.data.length ? y : x));
const ta = big(a).tensor.data, tb = big(b).tensor.data;
const xor = new Uint8Array(ta.length); for (let i = 0; i < ta.length; i++) xor[i] = ta[i] ^ tb[i];
for (const [name, bytes] of [['whole', tb], ['xor', xor]]) {
  const planes = splitPlanes(bytes, 4); const n = planes.length / 4;
  for (const [label, opts] of [['l1', { level: 1 }], ['l6', { level: 6 }], ['l9', { level: 9 }], ['rle', { level: 6, strategy: zlib.constants.Z_RLE }], ['huff', { strategy: zlib.constants.Z_HUFFMAN_ONLY }]]) {
    const s = performance.now(); let tot = 0; const per = [];
    for (let k = 0; k < 4; k++) { const p = planes.subarray(k * n, (k + 1) * n); const z = zlib.deflateSync(p, opts).length; per.push(Math.min(z, n)); tot += Math.min(z, n); }
    console.log(name, label, tot, per.join('/'), (performance.now() - s).toFixed(1) + 'ms');
  }
}
