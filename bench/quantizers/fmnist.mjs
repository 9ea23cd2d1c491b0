// Fashion-MNIST for the quantizer benchmarks: Debian's dataset-fashion-mnist IDX files, read by
// @reef/datasets (build first: npx -y pnpm@10 turbo run build --filter=@reef/datasets --filter=@reef/quantizer-pq...).
import { readFileSync } from 'node:fs';
import { readIdx } from '../../packages/datasets/dist/index.js';
import { recallAtK } from '../../packages/kernels/dist/index.js';
import { ProductQuantizer } from '../../plugins/pq/dist/index.js';

const DIR = '/usr/share/datasets/fashion-mnist/';

/** The first `limit` images of an IDX file there, as float32 rows of 784 pixel values 0–255. */
export function fashionMnist(name, limit = Infinity) {
  const all = readIdx(DIR + name);
  if (limit >= all.count) return all;
  return { data: all.data.slice(0, limit * all.dim), count: limit, dim: all.dim };
}

/** A file of raw little-endian values (the ground truth faiss_pq.py writes, saved codebooks) as a `Type` array. */
export function readTyped(Type, path) {
  const b = readFileSync(path);
  return new Type(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * MSE (mean squared reconstruction error per base vector) and recall@10 of ADC search of 8-bit PQ
 * codebooks (K × dim floats, ProductCodebooks' layout) given as they are, with no training.
 */
export async function evaluatePqCodebooks(centroids, m, base, queries, truth) {
  const q = ProductQuantizer.load({ pluginId: 'pq', apiVersion: 1, params: { m, nbits: 8 }, attributes: { dim: base.dim, m, nbits: 8 }, arrays: { centroids: { data: centroids, shape: [centroids.length] } } });
  const codes = q.encode(base);
  const decoded = q.decode(codes);
  let se = 0;
  for (let i = 0; i < decoded.length; i++) se += (decoded[i] - base.data[i]) ** 2;
  const found = await q.searchBatch(queries, codes, 10, 'l2');
  return { mse: se / base.count, recall10: recallAtK(found.ids, 10, truth, 10, queries.count, 10) };
}

/**
 * Median wall time, in ms, of `repeats` timed runs of fn after one untimed warm-up (JIT, worker
 * start, WASM instances), with the last run's result.
 */
export async function medianAfterWarmup(repeats, fn) {
  let out = await fn();
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    out = await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[repeats >> 1], out };
}
