// Reef-only SQ timings on full Fashion-MNIST (60k × 784): fit and encode, medians of REPEATS,
// without the FAISS side. For profiling and quick checks.
// Run: node bench/sq/parts.mjs [config names...]   (wrap in `flock /tmp/reef-bench.lock`)
import { Registry, vectors } from '../../packages/core/dist/index.js';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import plugin from '../../plugins/sq/dist/index.js';
import { SQ_CONFIGS } from './configs.mjs';
import { medianMs } from './median.mjs';

const REPEATS = Number(process.env.REPEATS ?? 5);
const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'));
const base = vectors(Float32Array.from(raw.subarray(16)), 784);
const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(SQ_CONFIGS);
const registry = new Registry();
registry.use(plugin);

for (const name of names) {
  let q;
  const { ms: fit } = await medianMs(REPEATS, async () => {
    q = registry.createQuantizer('sq', SQ_CONFIGS[name], 784);
    await q.fit(base);
  });
  const { ms: encode } = await medianMs(REPEATS, () => q.encode(base));
  console.log(`${name}: fit ${fit.toFixed(1)} ms, encode ${encode.toFixed(1)} ms`);
}
