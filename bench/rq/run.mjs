// RQ on Fashion-MNIST next to FAISS 1.7.3's ResidualQuantizer, run by this script
// (/usr/bin/python3, python3-faiss, one thread). Base = the first --base training images (default
// all 60k), queries = the first --nq test images (default 1000), training set = the first --train
// training images (default 5000; the IDX training set is already in random order, and both sides get
// the same vectors). Both use --stages × --nbits (default 8 × 8), beam --beam (default 5, FAISS's)
// and --niter k-means iterations per stage (default 10, FAISS's ResidualQuantizer default);
// Reef refines its codebooks (--refine rounds, default 2) and uses --kmeans progressive|plain
// (default progressive, as FAISS). Both sides also encode greedily (beam 1) with the same codebooks.
// --no-faiss runs Reef alone (ground truth computed here; the table is printed if FAISS's results for
// the same settings are already there); --skip-faiss reuses FAISS's results of the last run with the
// same settings (bench/out/rq/<settings>/faiss.json). FAISS finds its BLAS through the environment:
// see bench/rq/README.md for the OpenBLAS used in the recorded runs.
// Build first:  npx -y pnpm@10 turbo run build --filter=@reef/quantizer-rq...
// Run:          flock /tmp/reef-bench.lock node bench/rq/run.mjs [--train 5000] [--base 60000] [--nq 1000]
// Prints MSE, recall@10, times and encode throughput with the Reef/FAISS ratio of each.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { exactKnn, recallAtK, topK } from '../../packages/kernels/dist/index.js';
import { rqPlugin } from '../../plugins/rq/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const IDX = '/usr/share/datasets/fashion-mnist/';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const NBASE = option('--base', 60000);
const NQ = option('--nq', 1000);
const NTRAIN = option('--train', 5000);
const NITER = option('--niter', 10);
const BEAM = option('--beam', 5);
const STAGES = option('--stages', 8);
const NBITS = option('--nbits', 8);
const REFINE = option('--refine', 2);
const KMEANS = args.includes('--kmeans') ? args[args.indexOf('--kmeans') + 1] : 'progressive';
// One folder per data configuration, so runs of different sizes never share FAISS results.
const OUT = join(here, `../out/rq/train${NTRAIN}-base${NBASE}-nq${NQ}-${STAGES}x${NBITS}-niter${NITER}-beam${BEAM}`);

/** IDX3 images as float32 rows of 784 pixel values 0–255. */
function idxImages(name, limit = Infinity) {
  const raw = gunzipSync(readFileSync(IDX + name));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = Math.min(view.getUint32(4), limit);
  const dim = view.getUint32(8) * view.getUint32(12);
  return { data: Float32Array.from(raw.subarray(16, 16 + count * dim)), count, dim };
}

mkdirSync(OUT, { recursive: true });
const noFaiss = args.includes('--no-faiss');
if (!noFaiss && (!args.includes('--skip-faiss') || !existsSync(join(OUT, 'faiss.json')))) {
  console.error('running FAISS ...');
  const faissArgs = [NBASE, NQ, NTRAIN, NITER, BEAM, STAGES, NBITS].map(String);
  execFileSync('/usr/bin/python3', [join(here, 'faiss_rq.py'), OUT, ...faissArgs], { stdio: 'inherit' });
}

const images = idxImages('train-images-idx3-ubyte.gz', Math.max(NBASE, NTRAIN));
const dim = images.dim;
const base = { data: images.data.subarray(0, NBASE * dim), count: NBASE, dim };
const train = { data: images.data.subarray(0, NTRAIN * dim), count: NTRAIN, dim };
const queries = idxImages('t10k-images-idx3-ubyte.gz', NQ);
// --no-faiss: Reef alone, ground truth computed here (exact L2, as FAISS's IndexFlatL2 gives it).
const truth = noFaiss
  ? exactKnn(base.data, NBASE, queries.data, NQ, dim, 10).ids
  : new Int32Array(readFileSync(join(OUT, 'groundtruth.i32')).buffer.slice(0));

const q = rqPlugin.create({ stages: STAGES, nbits: NBITS, beam: BEAM, niter: NITER, refine: REFINE, kmeans: KMEANS });
let t = performance.now();
await q.fit(train, { seed: 1234, onProgress: (f) => console.error(`reef train ${(100 * f).toFixed(0)}% at ${((performance.now() - t) / 1000).toFixed(0)} s`) });
const trainS = (performance.now() - t) / 1000;
t = performance.now();
const codes = q.encode(base);
const encodeS = (performance.now() - t) / 1000;
const decoded = q.decode(codes);
let se = 0;
for (let i = 0; i < decoded.length; i++) se += (decoded[i] - base.data[i]) ** 2;
const mse = se / base.count;
const found = new Int32Array(NQ * 10);
const scores = new Float32Array(base.count);
t = performance.now();
for (let i = 0; i < NQ; i++) {
  const dists = q.search.prepare(queries.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(codes, scores);
  topK(dists, 10, true, found.subarray(i * 10, (i + 1) * 10));
}
const searchMs = (performance.now() - t) / NQ;

// Greedy encoding (beam 1) with the same codebooks: beam against greedy.
const greedy = rqPlugin.load({ ...q.save(), params: { ...q.params, beam: 1 } });
t = performance.now();
const greedyCodes = greedy.encode(base);
const greedyEncodeS = (performance.now() - t) / 1000;
const greedyDecoded = greedy.decode(greedyCodes);
let greedySe = 0;
for (let i = 0; i < greedyDecoded.length; i++) greedySe += (greedyDecoded[i] - base.data[i]) ** 2;
const greedyFound = new Int32Array(NQ * 10);
for (let i = 0; i < NQ; i++) {
  const dists = greedy.search.prepare(queries.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(greedyCodes, scores);
  topK(dists, 10, true, greedyFound.subarray(i * 10, (i + 1) * 10));
}
const reef = {
  mse,
  recall10: recallAtK(found, 10, truth, 10, NQ, 10),
  train_s: trainS,
  encode_s: encodeS,
  search_ms_per_query: searchMs,
  greedy_mse: greedySe / base.count,
  greedy_recall10: recallAtK(greedyFound, 10, truth, 10, NQ, 10),
  greedy_encode_s: greedyEncodeS,
  code_bytes: q.codeSize,
};
console.error(`reef: ${JSON.stringify(reef)}`);
writeFileSync(join(OUT, `reef-${KMEANS}-refine${REFINE}.json`), JSON.stringify(reef, null, 1) + '\n');
if (noFaiss && !existsSync(join(OUT, 'faiss.json'))) process.exit(0);
const faiss = JSON.parse(readFileSync(join(OUT, 'faiss.json'), 'utf8'));

const f = faiss.results;
const fmt = (v) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString());
const lines = [
  `RQ ${STAGES}×${NBITS} bits (${q.codeSize} bytes/vector) on Fashion-MNIST: base ${NBASE}, ${NQ} queries, trained on the first ${NTRAIN} training images; beam ${BEAM}, k-means niter ${NITER}, Reef refine ${REFINE}.`,
  `FAISS ${faiss.version} (${faiss.threads} thread(s), BLAS ${faiss.blas ?? 'system libblas.so.3'}, train_type ${f.train_type}, search_type ${f.search_type}) vs Reef (Node ${process.version}, one thread, k-means ${KMEANS}).`,
  '',
  '| figure | Reef | FAISS | Reef/FAISS |',
  '|---|---|---|---|',
];
for (const [label, r, fv] of [
  ['MSE', reef.mse, f.mse],
  ['recall@10', reef.recall10, f.recall10],
  ['train s', reef.train_s, f.train_s],
  [`encode s (${NBASE} vectors)`, reef.encode_s, f.encode_s],
  ['encode vectors/s', NBASE / reef.encode_s, NBASE / f.encode_s],
  ['search ms/query', reef.search_ms_per_query, f.search_ms_per_query],
  ['greedy (beam 1, same codebooks) MSE', reef.greedy_mse, f.greedy_mse],
  ['greedy recall@10', reef.greedy_recall10, f.greedy_recall10],
  [`greedy encode s (${NBASE} vectors)`, reef.greedy_encode_s, f.greedy_encode_s],
]) {
  if (fv === undefined) continue; // FAISS results of an older run without the greedy figures
  lines.push(`| ${label} | ${fmt(r)} | ${fmt(fv)} | ${(r / fv).toFixed(3)} |`);
}
const report = lines.join('\n');
console.log(report);
writeFileSync(join(OUT, `report-${KMEANS}-refine${REFINE}.md`), report + '\n');
