#!/usr/bin/env node
// What the lossy-commit screen (packages/store/src/quality.ts: every 8th row first) sees, against
// the whole tensor: for each checkpoint of the series and each large tensor (against its previous
// checkpoint; the first against zeros), every preset of every lossy type is encoded on the sample
// and on the whole tensor, and both relative L2 errors (as the plugin measured them) are printed.
// PQ trains its own codebook here (a commit uses a shared one).
//
// Usage: node bench/store-lossy/screen-errors.mjs [--series DIR]
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPUTE_POOL, Registry } from '../../packages/core/dist/index.js';
import { NodeWorkerPool } from '../../packages/kernels/dist/node.js';
import deltaPq from '../../plugins/delta-pq/dist/index.js';
import deltaQuantized from '../../plugins/delta-quantized/dist/index.js';
import { parseSafetensors, screenSample, zeroTensor } from '../../packages/store/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf('--series');
const seriesDir = resolve(i >= 0 ? process.argv[i + 1] : join(here, '..', 'store', 'out', 'checkpoints'));
const files = readdirSync(seriesDir).filter((f) => f.endsWith('.safetensors')).sort();
// Worker threads for delta-pq's codebook training, as the reef CLI provides them.
const registry = new Registry().provide(COMPUTE_POOL, new NodeWorkerPool());
registry.use(deltaQuantized);
registry.use(deltaPq);
const types = registry.deltaTypes().filter((p) => !p.lossless);

let previous;
const rows = [];
for (const f of files) {
  const tensors = new Map(parseSafetensors(new Uint8Array(readFileSync(join(seriesDir, f))), f).tensors.map((t) => [t.name, t.tensor]));
  for (const [name, tensor] of tensors) {
    const reference = previous?.get(name) ?? zeroTensor(tensor.dtype, tensor.shape);
    const item = { path: f, name, hash: '', tensor, candidate: { hash: '', tensor: reference, depth: 0, source: 'bench' }, losslessBytes: 0 };
    const sample = screenSample(item);
    if (!sample) continue;
    for (const plugin of types) {
      for (const params of plugin.presets?.length ? plugin.presets : [{}]) {
        const err = async (it) => (await plugin.encode(it.tensor, it.candidate.tensor, { params })).attributes.rel_l2_error;
        const full = await err(item);
        const part = await err(sample);
        rows.push({ file: f, name, setting: `${plugin.id} ${JSON.stringify(params)}`, full, sample: part, ratio: part / full });
        console.log(`${f} ${name} ${plugin.id} ${JSON.stringify(params)}: full ${full.toExponential(3)}, sample ${part.toExponential(3)}, sample/full ${(part / full).toFixed(3)}`);
      }
    }
  }
  previous = tensors;
}
const bySetting = new Map();
for (const r of rows) bySetting.set(r.setting, [...(bySetting.get(r.setting) ?? []), r.ratio]);
console.log('\nsample/full relative L2 per setting (min, max over the series):');
for (const [s, v] of bySetting) console.log(`  ${s}: ${Math.min(...v).toFixed(3)} .. ${Math.max(...v).toFixed(3)}`);
