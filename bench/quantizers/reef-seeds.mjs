// Reef's PQ MSE and recall@10 on full Fashion-MNIST across training seeds: the counterpart of
// faiss_seeds.py (same data, definitions and ground truth), to compare the two as distributions
// rather than one run each.
// Build first:  npx -y pnpm@10 turbo run build --filter=@reef/quantizer-pq... --filter=@reef/datasets
// Run:          /usr/bin/python3 bench/quantizers/faiss_seeds.py bench/out/quantizers PQ8 1 2 3 4 5   (writes the ground truth)
//               node bench/quantizers/reef-seeds.mjs --m 8 1 2 3 4 5
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recallAtK } from '../../packages/kernels/dist/index.js';
import { ProductQuantizer } from '../../plugins/pq/dist/index.js';
import { fashionMnist, readTyped } from './fmnist.mjs';
import { pool } from './pool.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const m = Number(args.includes('--m') ? args[args.indexOf('--m') + 1] : 8);
const seeds = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--m').map(Number);
if (!seeds.length || seeds.some((s) => !Number.isInteger(s))) throw new Error('give one or more integer seeds, e.g. 1 2 3');

const truth = readTyped(Int32Array, join(here, '../out/quantizers/groundtruth.i32'));
const base = fashionMnist('train-images-idx3-ubyte.gz');
const queries = fashionMnist('t10k-images-idx3-ubyte.gz', 1000);
const rows = [];
for (const seed of seeds) {
  const q = new ProductQuantizer({ m, nbits: 8 }, { pool });
  await q.fit(base, { seed });
  const codes = await q.encodeAsync(base);
  const decoded = q.decode(codes);
  let se = 0;
  for (let i = 0; i < decoded.length; i++) se += (decoded[i] - base.data[i]) ** 2;
  const found = await q.searchBatch(queries, codes, 10, 'l2');
  const row = { factory: `PQ${m}`, seed, mse: se / base.count, recall10: recallAtK(found.ids, 10, truth, 10, queries.count, 10) };
  rows.push(row);
  console.log(JSON.stringify(row));
}
const mean = (key) => rows.reduce((s, r) => s + r[key], 0) / rows.length;
const sd = (key) => (rows.length > 1 ? Math.sqrt(rows.reduce((s, r) => s + (r[key] - mean(key)) ** 2, 0) / (rows.length - 1)) : 0);
console.log(JSON.stringify({ factory: `PQ${m}`, seeds, mse_mean: mean('mse'), mse_sd: sd('mse'), recall10_mean: mean('recall10'), recall10_sd: sd('recall10') }));
