// Where does the recall difference between two PQ codebook sets live? Loads two sets (float32, K x dim in
// ProductCodebooks' layout; e.g. faiss_books.py and pq-from-init.mjs --save), prints MSE and recall@10 of
// each, then of A with sub-space j's codebook taken from B and of B with sub-space j's from A, for every j.
// Run:  node bench/quantizers/pq-mix.mjs A.f32 B.f32 16        (needs bench/out/quantizers/groundtruth.i32)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitDimensions } from '../../plugins/pq/dist/index.js';
import { evaluatePqCodebooks, fashionMnist, readTyped } from './fmnist.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [fileA, fileB, mArg] = process.argv.slice(2);
if (!fileA || !fileB) throw new Error('usage: pq-mix.mjs A.f32 B.f32 M');
const m = Number(mArg ?? 16);
const K = 256;
const base = fashionMnist('train-images-idx3-ubyte.gz');
const queries = fashionMnist('t10k-images-idx3-ubyte.gz', 1000);
const truth = readTyped(Int32Array, join(here, '../out/quantizers/groundtruth.i32'));
const layout = splitDimensions(base.dim, m);
const A = readTyped(Float32Array, fileA);
const B = readTyped(Float32Array, fileB);
for (const [name, c] of [[fileA, A], [fileB, B]]) {
  if (c.length !== K * base.dim) throw new Error(`${name}: expected ${K * base.dim} floats, got ${c.length}`);
}

async function evaluate(centroids) {
  const { mse, recall10 } = await evaluatePqCodebooks(centroids, m, base, queries, truth);
  return { mse: Math.round(mse), recall10 };
}

console.log(JSON.stringify({ A: await evaluate(A), B: await evaluate(B) }));
for (let j = 0; j < m; j++) {
  const start = K * layout.offsets[j];
  const end = K * layout.offsets[j + 1];
  const aWithB = A.slice();
  aWithB.set(B.subarray(start, end), start);
  const bWithA = B.slice();
  bWithA.set(A.subarray(start, end), start);
  console.log(JSON.stringify({ subspace: j, aWithB: await evaluate(aWithB), bWithA: await evaluate(bWithA) }));
}
