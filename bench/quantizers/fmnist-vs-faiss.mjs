// PQ and OPQ on full Fashion-MNIST (60k training images = base and training set, the first NQ
// test images as queries), next to FAISS 1.7.3 run by this script (/usr/bin/python3, python3-faiss).
// Build first:  npx -y pnpm@10 turbo run build --filter=@reef/quantizer-opq...
// Run:          flock /tmp/reef-bench.lock node bench/quantizers/fmnist-vs-faiss.mjs [--nq 1000] [CONFIG...]
// CONFIG is PQ8, PQ16, PQ56, OPQ8, OPQ16 (default: all). --reuse-faiss reads FAISS's figures from
// the last run's bench/out/quantizers/faiss.json instead of rerunning FAISS. --recorded-faiss A,B
// takes FAISS's figures for configs A, B from the recorded reference (fixtures/README.md: MSE,
// recall@10, train time on this machine) instead of running it (FAISS's OPQ8 trains for 11 min).
// --opq-niter N sets OPQ's alternation count (default 25).
// Prints medians (train: one run; encode and search: median of 3) and the Reef/FAISS ratio per figure.
// Reef trains and encodes on worker threads (one per core); its ADC search is timed both one query
// at a time on one thread and as searchBatch on worker threads (FAISS searches its batch on every core).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { recallAtK, topK } from '../../packages/kernels/dist/index.js';
import { OptimizedProductQuantizer } from '../../plugins/opq/dist/index.js';
import { ProductQuantizer } from '../../plugins/pq/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '../out/quantizers');
const IDX = '/usr/share/datasets/fashion-mnist/';
const REPEATS = 3;

const CONFIGS = {
  PQ8: { faiss: 'PQ8', make: () => new ProductQuantizer({ m: 8, nbits: 8 }) },
  PQ16: { faiss: 'PQ16', make: () => new ProductQuantizer({ m: 16, nbits: 8 }) },
  PQ56: { faiss: 'PQ56', make: () => new ProductQuantizer({ m: 56, nbits: 8 }) },
  OPQ8: { faiss: 'OPQ8,PQ8', make: () => new OptimizedProductQuantizer({ m: 8, nbits: 8, ...opqRounds() }) },
  OPQ16: { faiss: 'OPQ16,PQ16', make: () => new OptimizedProductQuantizer({ m: 16, nbits: 8, ...opqRounds() }) },
};

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const NQ = Number(option('--nq', 1000));
// --base N: only the first N training images (a quick smoke run; the reference figures need 60000).
const NBASE = Number(option('--base', 60000));
const OUT_DIR = NBASE === 60000 ? OUT : join(OUT, `base${NBASE}`);
/** FAISS 1.7.3 on this machine, from fixtures/README.md (2 cores, 60k base, 1000 queries). */
const RECORDED = {
  'PQ8': { mse: 676544, recall10: 0.4187, train_s: 50 },
  'OPQ8,PQ8': { mse: 658337, recall10: 0.467, train_s: 653 },
  'PQ16': { mse: 560511, recall10: 0.5286, train_s: 146 },
};
const recorded = new Set((option('--recorded-faiss') ?? '').split(',').filter(Boolean));
const VALUE_OPTIONS = new Set(['--nq', '--opq-niter', '--recorded-faiss', '--base']);
const chosen = args.filter((a, i) => !a.startsWith('--') && !VALUE_OPTIONS.has(args[i - 1]));
const names = chosen.length ? chosen : Object.keys(CONFIGS);
for (const n of names) if (!CONFIGS[n]) throw new Error(`unknown config ${n}; known: ${Object.keys(CONFIGS).join(', ')}`);
function opqRounds() {
  const niter = option('--opq-niter');
  return niter ? { niter: Number(niter) } : {};
}

/** IDX3 images as float32 rows of 784 pixel values 0–255. */
function idxImages(name, limit = Infinity) {
  const raw = gunzipSync(readFileSync(IDX + name));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = Math.min(view.getUint32(4), limit);
  const dim = view.getUint32(8) * view.getUint32(12);
  return { data: Float32Array.from(raw.subarray(16, 16 + count * dim)), count, dim };
}

async function medianMs(fn) {
  const times = [];
  let out;
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    out = await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[REPEATS >> 1], out };
}

mkdirSync(OUT_DIR, { recursive: true });
const factories = names.filter((n) => !recorded.has(n)).map((n) => CONFIGS[n].faiss);
if (!flag('--reuse-faiss') || !existsSync(join(OUT_DIR, 'faiss.json'))) {
  // Always run it, if only for the exact ground truth it writes.
  console.error(`running FAISS on ${factories.join(' ')} ...`);
  // Passive OpenMP waiting: on a shared machine, spinning threads make FAISS many times slower.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  execFileSync('/usr/bin/python3', [join(here, 'faiss_pq.py'), OUT_DIR, String(NQ), String(NBASE), ...factories], { stdio: 'inherit', env });
}
const faiss = existsSync(join(OUT_DIR, 'faiss.json')) ? JSON.parse(readFileSync(join(OUT_DIR, 'faiss.json'), 'utf8')) : { results: {} };
for (const n of recorded) {
  const ref = RECORDED[CONFIGS[n].faiss];
  if (!ref) throw new Error(`no recorded FAISS figures for ${n}; recorded: ${Object.keys(RECORDED).join(', ')}`);
  faiss.results[CONFIGS[n].faiss] = { ...ref, recorded: true };
}
const truthBytes = readFileSync(join(OUT_DIR, 'groundtruth.i32'));
const truth = new Int32Array(truthBytes.buffer.slice(truthBytes.byteOffset, truthBytes.byteOffset + truthBytes.byteLength));

const base = idxImages('train-images-idx3-ubyte.gz', NBASE);
const queries = idxImages('t10k-images-idx3-ubyte.gz', NQ);
const dim = base.dim;

const rows = [];
for (const name of names) {
  const q = CONFIGS[name].make();
  let t = performance.now();
  await q.fit(base, { seed: 1234 });
  const trainS = (performance.now() - t) / 1000;
  // encodeAsync spreads sub-spaces over both cores, as FAISS's encoder does; same codes as encode().
  const { ms: encodeMs, out: codes } = await medianMs(() => q.encodeAsync(base));
  const decoded = q.decode(codes);
  let se = 0;
  for (let i = 0; i < decoded.length; i++) se += (decoded[i] - base.data[i]) ** 2;
  const mse = se / base.count;
  const found = new Int32Array(NQ * 10);
  const scores = new Float32Array(base.count);
  const { ms: searchMs } = await medianMs(() => {
    for (let i = 0; i < NQ; i++) {
      const dists = q.search.prepare(queries.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(codes, scores);
      topK(dists, 10, true, found.subarray(i * 10, (i + 1) * 10));
    }
  });
  const recall = recallAtK(found, 10, truth, 10, NQ, 10);
  // The whole query batch on worker threads, as FAISS searches its batch on every core.
  const queryBatch = { data: queries.data, count: NQ, dim };
  const { ms: batchMs, out: batch } = await medianMs(() => q.searchBatch(queryBatch, codes, 10, 'l2'));
  const batchRecall = recallAtK(batch.ids, 10, truth, 10, NQ, 10);
  const reef = {
    mse,
    recall10: recall,
    train_s: trainS,
    encode_s: encodeMs / 1000,
    search_ms_per_query: searchMs / NQ,
    batch_search_ms_per_query: batchMs / NQ,
    batch_recall10: batchRecall,
    code_bytes: q.codeSize,
  };
  const ref = faiss.results[CONFIGS[name].faiss];
  rows.push({ name, reef, faiss: ref });
  console.error(`reef ${name}: ${JSON.stringify(reef)}`);
}

const fmt = (v) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString());
const lines = [
  `Fashion-MNIST ${base.count} × 784, ${NQ} queries; FAISS ${faiss.version} (${faiss.threads} threads) vs Reef (Node ${process.version}). Encode: the base vectors; throughput = vectors/s.`,
  '',
  '| config | figure | Reef | FAISS | Reef/FAISS |',
  '|---|---|---|---|---|',
];
for (const { name, reef, faiss: f } of rows) {
  if (!f) {
    lines.push(`| ${name} | (no FAISS result) | | | |`);
    continue;
  }
  const figures = [
    ['MSE', reef.mse, f.mse],
    ['recall@10', reef.recall10, f.recall10],
    ['train s', reef.train_s, f.train_s],
    ['encode vectors/s', base.count / reef.encode_s, base.count / f.encode_s],
    ['ADC search ms/query (Reef: one query at a time, 1 thread)', reef.search_ms_per_query, f.search_ms_per_query],
    ['ADC search ms/query (Reef: searchBatch on worker threads)', reef.batch_search_ms_per_query, f.search_ms_per_query],
  ];
  for (const [label, r, fv] of figures) {
    if (fv === undefined || Number.isNaN(fv)) lines.push(`| ${name} | ${label} | ${fmt(r)} | (not recorded) | |`);
    else lines.push(`| ${name} | ${label}${f.recorded ? ' (FAISS recorded)' : ''} | ${fmt(r)} | ${fmt(fv)} | ${(r / fv).toFixed(3)} |`);
  }
}
const report = lines.join('\n');
console.log(report);
writeFileSync(join(OUT_DIR, `report-${names.join('-')}.md`), report + '\n');
