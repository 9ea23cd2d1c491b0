// OPQ's training path round by round on full Fashion-MNIST: the training MSE after each round's PQ,
// where a round's time goes (rotation X·P, k-means, assignment, Xᵀ Y, polar factor), and the MSE of
// the final PQ (as fit trains it) after chosen rounds. The same steps as trainRotation with the
// default parameters, so one run shows how many rounds a target MSE needs.
// Build first:  npx -y pnpm@10 turbo run build --filter=@reef/quantizer-opq... --filter=@reef/datasets
// Run:          node bench/quantizers/opq-rounds.mjs --m 16 --rounds 60 --finals 40,50,60 [--params '{"niterPq":4}']
import { resolveParams } from '../../packages/core/dist/index.js';
import { polarFactorIterative, Rng } from '../../packages/kernels/dist/index.js';
import { crossWithReconstruction, initialRotation, OPQ_PARAMS, opqConfig, subsampleRows } from '../../plugins/opq/dist/index.js';
import { ProductQuantizer, splitDimensions } from '../../plugins/pq/dist/index.js';
import { fashionMnist } from './fmnist.mjs';
import { pool } from './pool.mjs';

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const m = Number(value('--m', 16));
const rounds = Number(value('--rounds', 50));
const finals = value('--finals', String(rounds)).split(',').map(Number);
const config = opqConfig(resolveParams('opq', OPQ_PARAMS, { m, nbits: 8, ...JSON.parse(value('--params', '{}')) }));
const seed = 1234;
const base = fashionMnist('train-images-idx3-ubyte.gz');
const { count: n, dim: d, data: x } = base;
const layout = splitDimensions(d, m);
console.log(JSON.stringify(config));

/** Mean squared distance of the (rotated) rows to their PQ reconstruction. */
function mse(books, labels, rows, count) {
  let se = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < m; j++) {
      const o = layout.offsets[j];
      const dj = layout.offsets[j + 1] - o;
      const c = books.codebook(j);
      const at = labels[i * m + j] * dj;
      for (let t = 0; t < dj; t++) se += (rows[i * d + o + t] - c[at + t]) ** 2;
    }
  }
  return se / count;
}

const phases = {};
async function timed(name, f) {
  const t = performance.now();
  const result = await f();
  phases[name] = (performance.now() - t) / 1000;
  return result;
}

const t0 = performance.now();
const rng = new Rng(seed);
const sample = subsampleRows(x, n, d, config.maxTrainPoints, rng);
let rotation = initialRotation(d, d, config, rng, sample);
// The product quantizer after the rotation, as OptimizedProductQuantizer makes it.
const pq = new ProductQuantizer({ m, nbits: 8, niter: config.niterFinal, init: 'random', threads: config.threads }, { pool });
const sampleVectors = { data: sample.data, count: sample.count, dim: d };
const rotated = { data: new Float32Array(sample.count * d), count: sample.count, dim: d };
for (let round = 1; round <= rounds; round++) {
  await timed('xp', () => pq.transformAsync(sampleVectors, rotation, d, rotated.data));
  const niter = round === 1 ? config.niterPqFirst : config.niterPq;
  await timed('kmeans', () => pq.fit(rotated, { seed, niter, warmStart: round === 1 ? undefined : pq.codebooks }));
  const books = pq.codebooks;
  const labels = await timed('assign', () => pq.assignAsync(rotated));
  const trainMse = mse(books, labels, rotated.data, sample.count);
  const cross = await timed('xty', () => crossWithReconstruction(sample.data, sample.count, d, books, labels));
  rotation = await timed('polar', () => polarFactorIterative(cross, d, d, { towards: rotation }));
  const s = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Number(v.toFixed(2))]));
  console.log(JSON.stringify({ round, trainMse: Math.round(trainMse), elapsedS: Number(((performance.now() - t0) / 1000).toFixed(1)), phaseS: s }));
  if (finals.includes(round)) {
    // A separate quantizer, so the rounds go on from this round's codebooks.
    const all = { data: await pq.transformAsync(base, rotation, d), count: n, dim: d };
    const final = new ProductQuantizer(pq.params, { pool });
    await final.fit(all, { seed, warmStart: pq.codebooks });
    console.log(JSON.stringify({ finalAfterRound: round, mse: Math.round(mse(final.codebooks, await final.assignAsync(all), all.data, n)) }));
  }
}
