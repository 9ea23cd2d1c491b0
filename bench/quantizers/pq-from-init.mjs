// Reef's PQ k-means from a given initial sample of images (the same rows in every sub-space, as FAISS
// and Reef both start), full Fashion-MNIST: MSE and recall@10 of ADC search. Separates the effect of
// the initial sample from that of the k-means iterations when comparing with FAISS.
// Run:  /usr/bin/python3 bench/quantizers/faiss_perm.py /tmp/faiss-perm 60000 256 1 2 3     (FAISS's samples)
//       node bench/quantizers/pq-from-init.mjs --m 16 --seed 1 /tmp/faiss-perm1.i32         (a file of 256 int32 image indices)
//       node bench/quantizers/pq-from-init.mjs --m 16 --seed 1 --reef                       (Reef's own sample for that seed)
//       add --sorted to use the same images in ascending index order, --save FILE to write the codebooks (float32).
// Needs bench/out/quantizers/groundtruth.i32 (written by faiss_seeds.py or fmnist-vs-faiss.mjs).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../packages/kernels/dist/index.js';
import { splitDimensions, trainCodebooks } from '../../plugins/pq/dist/index.js';
import { evaluatePqCodebooks, fashionMnist, readTyped } from './fmnist.mjs';
import { pool } from './pool.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const K = 256;
const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const m = Number(value('--m', 16));
const seed = Number(value('--seed', 1234));
const file = args.find((a, i) => !a.startsWith('--') && !['--m', '--seed', '--save'].includes(args[i - 1]));
if (!file && !args.includes('--reef')) throw new Error('give a file of 256 int32 image indices, or --reef');

const base = fashionMnist('train-images-idx3-ubyte.gz');
const queries = fashionMnist('t10k-images-idx3-ubyte.gz', 1000);
const truth = readTyped(Int32Array, join(here, '../out/quantizers/groundtruth.i32'));
let pick = file ? readTyped(Int32Array, file) : Int32Array.from(new Rng(seed).sample(base.count, K));
if (pick.length !== K) throw new Error(`${file}: expected ${K} indices, got ${pick.length}`);
if (args.includes('--sorted')) pick = pick.slice().sort();
const layout = splitDimensions(base.dim, m);
const init = new Float32Array(K * base.dim);
for (let j = 0; j < m; j++) {
  const o = layout.offsets[j];
  const dj = layout.offsets[j + 1] - o;
  for (let c = 0; c < K; c++) init.set(base.data.subarray(pick[c] * base.dim + o, pick[c] * base.dim + o + dj), K * o + c * dj);
}
// The k-means seed still drives the random splits of empty clusters.
const centroids = await trainCodebooks(base.data, base.count, layout, { nbits: 8, niter: 25, seed, init: 'random', initialCentroids: init, threads: 0, pool });
if (value('--save')) writeFileSync(value('--save'), new Uint8Array(centroids.buffer, centroids.byteOffset, centroids.byteLength));
const { mse, recall10 } = await evaluatePqCodebooks(centroids, m, base, queries, truth);
console.log(JSON.stringify({ m, seed, init: file ?? 'reef', sorted: args.includes('--sorted'), mse, recall10 }));
