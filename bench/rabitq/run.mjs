// RaBitQ benchmark on Fashion-MNIST: recall@10 of RaBitQ (1-bit and extended multi-bit) against
// PQ at equal bytes per vector (RaBitQ's 12 bytes of correction factors included), both ranking
// every base vector by their asymmetric estimates; plus RaBitQ with error-bound re-ranking.
// Base: the first BASE training images; queries: the first NQ test images; truth: exact L2 top 10.
// PQ at C bytes: m = 2C sub-quantizers of 4 bits (16 centroids) while 2C ≤ 784, else m = 784 × 4
// bits (392 bytes, the most PQ can spend at 4 bits); trained on the first PQ_TRAIN base vectors.
// Build first: npx -y pnpm@10 turbo run build --filter=@reef/quantizer-rabitq... --filter=@reef/quantizer-pq...
// Run: flock /tmp/reef-bench.lock node bench/rabitq/run.mjs [BASE=20000] [NQ=200] [BITS=1,2,4] [PQ_TRAIN=10000]
import { COMPUTE_POOL, Registry, vectors } from '../../packages/core/dist/index.js';
import { NodeWorkerPool } from '../../packages/kernels/dist/node.js';
import { exactKnn, recallAtK, topK } from '../../packages/kernels/dist/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import rabitq, { searchWithReranking } from '../../plugins/rabitq/dist/index.js';

const BASE = Number(process.argv[2] ?? 20000);
const NQ = Number(process.argv[3] ?? 200);
const BITS = (process.argv[4] ?? '1,2,4').split(',').map(Number);
const PQ_TRAIN = Number(process.argv[5] ?? 10000);
const IDX = '/usr/share/datasets/fashion-mnist/';
const PQ_DIST = new URL('../../plugins/pq/dist/index.js', import.meta.url);

function idxImages(name, limit = Infinity) {
  const raw = gunzipSync(readFileSync(IDX + name));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = Math.min(view.getUint32(4), limit);
  const dim = view.getUint32(8) * view.getUint32(12);
  return vectors(Float32Array.from(raw.subarray(16, 16 + count * dim)), dim);
}

// Worker threads for PQ, as the reef CLI and the sweep provide them.
const registry = new Registry().provide(COMPUTE_POOL, new NodeWorkerPool());
registry.use(rabitq);
const havePq = existsSync(PQ_DIST);
if (havePq) registry.use((await import(PQ_DIST.href)).default);

const base = idxImages('train-images-idx3-ubyte.gz', BASE);
const queries = idxImages('t10k-images-idx3-ubyte.gz', NQ);
const dim = base.dim;
const seconds = (t) => ((performance.now() - t) / 1000).toFixed(1);
let t = performance.now();
const truth = exactKnn(base.data, base.count, queries.data, queries.count, dim, 10);
console.log(`Fashion-MNIST: ${base.count} base × ${dim}, ${queries.count} queries; exact top-10 in ${seconds(t)} s`);
console.log(havePq ? 'PQ: @reef/quantizer-pq' : 'PQ: plugins/pq not built, PQ rows skipped');

/** recall@10 of ranking all codes by a quantizer's asymmetric distances. */
function adcRecall(q, codes) {
  const found = new Int32Array(queries.count * 10);
  for (let i = 0; i < queries.count; i++) {
    const query = queries.data.subarray(i * dim, (i + 1) * dim);
    found.set(topK(q.search.prepare(query, 'l2').distances(codes), 10, true).ids, i * 10);
  }
  return recallAtK(found, 10, truth.ids, 10, queries.count, 10);
}

console.log('\n| method | bytes/vector | recall@10 | fit s | encode s | search s (all queries) |');
console.log('|---|---|---|---|---|---|');
for (const bits of BITS) {
  const q = registry.createQuantizer('rabitq', { bits }, dim);
  t = performance.now();
  await q.fit(base, { seed: 1 });
  const fitS = seconds(t);
  t = performance.now();
  const codes = q.encode(base);
  const encS = seconds(t);
  t = performance.now();
  const recall = adcRecall(q, codes);
  console.log(`| RaBitQ ${bits}-bit | ${q.codeSize} | ${recall.toFixed(4)} | ${fitS} | ${encS} | ${seconds(t)} |`);

  t = performance.now();
  const found = new Int32Array(queries.count * 10);
  let exact = 0;
  for (let i = 0; i < queries.count; i++) {
    const r = searchWithReranking(q, codes, queries.data.subarray(i * dim, (i + 1) * dim), { k: 10, vectors: base.data, rerank: 'bound' });
    found.set(r.ids, i * 10);
    exact += r.exactComputed;
  }
  console.log(`| RaBitQ ${bits}-bit + bound re-ranking (${(exact / queries.count).toFixed(0)} exact distances/query) | ${q.codeSize} + originals | ${recallAtK(found, 10, truth.ids, 10, queries.count, 10).toFixed(4)} | | | ${seconds(t)} |`);

  if (!havePq) continue;
  const m = Math.min(2 * q.codeSize, dim);
  const pq = registry.createQuantizer('pq', { m, nbits: 4 }, dim);
  t = performance.now();
  await pq.fit(vectors(base.data.subarray(0, Math.min(PQ_TRAIN, base.count) * dim), dim), { seed: 1 });
  const pqFit = seconds(t);
  t = performance.now();
  const pqCodes = pq.encode(base);
  const pqEnc = seconds(t);
  t = performance.now();
  console.log(`| PQ m=${m} × 4 bits | ${pq.codeSize} | ${adcRecall(pq, pqCodes).toFixed(4)} | ${pqFit} | ${pqEnc} | ${seconds(t)} |`);
}
