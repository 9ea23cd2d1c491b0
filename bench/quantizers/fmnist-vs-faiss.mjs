// PQ, OPQ and SQ on full Fashion-MNIST (60k training images = base and training set, the first NQ
// test images as queries), next to FAISS 1.7.3 run by this script (/usr/bin/python3, python3-faiss).
// Build first:  npx -y pnpm@10 turbo run build --filter=@reef/quantizer-opq... --filter=@reef/quantizer-sq... --filter=@reef/datasets
// Run:          flock /tmp/reef-bench.lock node bench/quantizers/fmnist-vs-faiss.mjs [--nq 1000] [CONFIG...]
// CONFIG is PQ8, PQ16, PQ56, OPQ8, OPQ16, SQ8, SQ4 (default: all; bench/sq/run.mjs has every SQ format). --reuse-faiss reads FAISS's figures from
// the last run's bench/out/quantizers/faiss.json instead of rerunning FAISS. --recorded-faiss A,B
// takes FAISS's figures for configs A, B from the recorded reference (fixtures/README.md: MSE,
// recall@10, train time on this machine) instead of running it (FAISS's OPQ8 trains for 11 min).
// --opq-niter N sets OPQ's alternation count; --opq-params JSON / --pq-params JSON set any OPQ / PQ parameters. --no-faiss
// runs no FAISS (figures only from --reuse-faiss / --recorded-faiss). The report is rewritten after
// every configuration, so a run cut short keeps what it finished. --seed N sets Reef's training seed (1234).
// Prints medians (train: one run, or when that took under a second the median of 3 more; encode and
// search: median of 3 after a warm-up run) and the Reef/FAISS ratio per figure.
// Reef's PQ and OPQ train and encode on worker threads (one per core). ADC search (searchBatch, top 10) is
// timed for both as the batch on one thread, one query per call on one thread, and the batch on
// every core (Reef: worker threads, FAISS: OpenMP). Reef's SQ runs on one thread throughout: it has
// no searchBatch, so its batch is one query per call (prepare, distances, topK), and no threaded row.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recallAtK, topK } from '../../packages/kernels/dist/index.js';
import { OptimizedProductQuantizer } from '../../plugins/opq/dist/index.js';
import { Registry } from '../../packages/core/dist/index.js';
import { ProductQuantizer } from '../../plugins/pq/dist/index.js';
import sqPlugin from '../../plugins/sq/dist/index.js';
import { fashionMnist, medianAfterWarmup, readTyped } from './fmnist.mjs';
import { pool } from './pool.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '../out/quantizers');
const REPEATS = 3;
/** Trainings shorter than this (seconds) are timed as the median of REPEATS after a first run. */
const SHORT_TRAIN_S = 1;

const CONFIGS = {
  PQ8: { faiss: 'PQ8', make: () => new ProductQuantizer({ m: 8, nbits: 8, ...pqParams() }, { pool }) },
  PQ16: { faiss: 'PQ16', make: () => new ProductQuantizer({ m: 16, nbits: 8, ...pqParams() }, { pool }) },
  PQ56: { faiss: 'PQ56', make: () => new ProductQuantizer({ m: 56, nbits: 8, ...pqParams() }, { pool }) },
  OPQ8: { faiss: 'OPQ8,PQ8', make: () => new OptimizedProductQuantizer({ m: 8, nbits: 8, ...opqRounds() }, { pool }) },
  OPQ16: { faiss: 'OPQ16,PQ16', make: () => new OptimizedProductQuantizer({ m: 16, nbits: 8, ...opqRounds() }, { pool }) },
  // FAISS's SQ8 and SQ4: per-dimension min–max ranges, as Reef's defaults.
  SQ8: { faiss: 'SQ8', make: () => scalarQuantizer('8bit') },
  SQ4: { faiss: 'SQ4', make: () => scalarQuantizer('4bit') },
};
function scalarQuantizer(format) {
  const registry = new Registry();
  registry.use(sqPlugin);
  return registry.createQuantizer('sq', { format }, 784);
}

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const NQ = Number(option('--nq', 1000));
// --seed N: Reef's training seed (default 1234), to see how much the figures move between seeds.
const SEED = Number(option('--seed', 1234));
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
const VALUE_OPTIONS = new Set(['--nq', '--opq-niter', '--opq-params', '--pq-params', '--recorded-faiss', '--base', '--seed']);
const chosen = args.filter((a, i) => !a.startsWith('--') && !VALUE_OPTIONS.has(args[i - 1]));
const names = chosen.length ? chosen : Object.keys(CONFIGS);
for (const n of names) if (!CONFIGS[n]) throw new Error(`unknown config ${n}; known: ${Object.keys(CONFIGS).join(', ')}`);
function pqParams() {
  return JSON.parse(option('--pq-params', '{}'));
}
function opqRounds() {
  const niter = option('--opq-niter');
  return { ...JSON.parse(option('--opq-params', '{}')), ...(niter ? { niter: Number(niter) } : {}) };
}

const medianMs = (fn) => medianAfterWarmup(REPEATS, fn);

mkdirSync(OUT_DIR, { recursive: true });
// FAISS's figures: reused from the last run's faiss.json (--reuse-faiss), recorded (--recorded-faiss),
// or measured live, one configuration at a time just before Reef's, so that a run cut short by
// the time limit still reports the configurations it finished.
const faissPath = join(OUT_DIR, 'faiss.json');
const faiss = flag('--reuse-faiss') && existsSync(faissPath) ? JSON.parse(readFileSync(faissPath, 'utf8')) : { results: {} };
for (const n of recorded) {
  const ref = RECORDED[CONFIGS[n].faiss];
  if (!ref) throw new Error(`no recorded FAISS figures for ${n}; recorded: ${Object.keys(RECORDED).join(', ')}`);
  faiss.results[CONFIGS[n].faiss] = { ...ref, recorded: true };
}
function runFaiss(factories) {
  console.error(`running FAISS on ${factories.join(' ') || '(ground truth only)'} ...`);
  // Passive OpenMP waiting: on a shared machine, spinning threads make FAISS many times slower.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  execFileSync('/usr/bin/python3', [join(here, 'faiss_pq.py'), OUT_DIR, String(NQ), String(NBASE), ...factories], { stdio: 'inherit', env });
  if (!factories.length) return; // ground truth only: faiss_pq.py writes no faiss.json then
  const live = JSON.parse(readFileSync(faissPath, 'utf8'));
  Object.assign(faiss, { version: live.version, threads: live.threads });
  Object.assign(faiss.results, live.results);
  writeFileSync(faissPath, JSON.stringify(faiss, null, 1));
}
// The exact ground truth comes from FAISS's flat index.
if (!existsSync(join(OUT_DIR, 'groundtruth.i32'))) runFaiss([]);
const truth = readTyped(Int32Array, join(OUT_DIR, 'groundtruth.i32'));
const base = fashionMnist('train-images-idx3-ubyte.gz', NBASE);
const queries = fashionMnist('t10k-images-idx3-ubyte.gz', NQ);
const dim = base.dim;

const rows = [];
for (const name of names) {
  if (!faiss.results[CONFIGS[name].faiss] && !flag('--no-faiss')) runFaiss([CONFIGS[name].faiss]);
  let q = CONFIGS[name].make();
  let t = performance.now();
  await q.fit(base, { seed: SEED });
  let trainS = (performance.now() - t) / 1000;
  if (trainS < SHORT_TRAIN_S) {
    // A training this short is dominated by one-off costs (the first pass over base vectors that
    // sat idle while FAISS ran took ~0.2 s here for SQ's 30 ms fit): time it as encode and search
    // are, a warm-up and then the median of 3 (FAISS's side takes the median of 3 more too).
    const { ms, out } = await medianMs(async () => {
      const fresh = CONFIGS[name].make();
      await fresh.fit(base, { seed: SEED });
      return fresh;
    });
    trainS = ms / 1000;
    q = out;
  }
  // encodeAsync spreads sub-spaces over both cores, as FAISS's encoder does; same codes as encode().
  const { ms: encodeMs, out: codes } = await medianMs(() => (q.encodeAsync ? q.encodeAsync(base) : q.encode(base)));
  // Quantizers whose encode takes an output buffer (SQ) are also timed into a reused one, next to
  // FAISS's C++ sa_encode into a preallocated array: the encoder alone, without the first touch of
  // a fresh output's pages (see plugins/sq/README.md).
  const into = q.encode.length >= 2 ? new Uint8Array(codes.length) : undefined;
  const encodeIntoMs = into && (await medianMs(() => q.encode(base, into))).ms;
  const decoded = q.decode(codes);
  let se = 0;
  for (let i = 0; i < decoded.length; i++) se += (decoded[i] - base.data[i]) ** 2;
  const mse = se / base.count;
  const queryBatch = { data: queries.data, count: NQ, dim };
  // The generic per-query API every quantizer has: search.prepare(q).distances(codes) + topK.
  const found = new Int32Array(NQ * 10);
  const scores = new Float32Array(base.count);
  const { ms: genericMs } = await medianMs(() => {
    for (let i = 0; i < NQ; i++) topK(q.search.prepare(queries.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(codes, scores), 10, true, found.subarray(i * 10, (i + 1) * 10));
  });
  // Search timed three ways, as FAISS is: the whole batch on one thread, one query per call on
  // one thread, and the batch on worker threads (FAISS: OpenMP threads). Without searchBatch the
  // batch is the per-query API above, and there is no threaded figure.
  let batch1Ms = genericMs;
  let singleMs = genericMs;
  let batchMs;
  let recall = recallAtK(found, 10, truth, 10, NQ, 10);
  let batchRecall;
  if (q.searchBatch) {
    const batch1 = await medianMs(() => q.searchBatch(queryBatch, codes, 10, 'l2', { threads: 1 }));
    batch1Ms = batch1.ms;
    recall = recallAtK(batch1.out.ids, 10, truth, 10, NQ, 10);
    singleMs = (
      await medianMs(async () => {
        for (let i = 0; i < NQ; i++) await q.searchBatch({ data: queries.data.subarray(i * dim, (i + 1) * dim), count: 1, dim }, codes, 10, 'l2', { threads: 1 });
      })
    ).ms;
    const batch = await medianMs(() => q.searchBatch(queryBatch, codes, 10, 'l2'));
    batchMs = batch.ms;
    batchRecall = recallAtK(batch.out.ids, 10, truth, 10, NQ, 10);
  }
  const reef = {
    mse,
    recall10: recall,
    train_s: trainS,
    encode_s: encodeMs / 1000,
    encode_into_s: encodeIntoMs === undefined ? undefined : encodeIntoMs / 1000,
    search_1thread_ms_per_query: batch1Ms / NQ,
    search_nq1_1thread_ms_per_query: singleMs / NQ,
    search_ms_per_query: batchMs === undefined ? undefined : batchMs / NQ,
    prepare_distances_topk_ms_per_query: genericMs / NQ,
    batch_recall10: batchRecall,
    code_bytes: q.codeSize,
  };
  rows.push({ name, reef, opq: name.startsWith('OPQ') ? q.params : undefined });
  console.error(`reef ${name}: ${JSON.stringify(reef)}`);
  writeReport();
}

function writeReport() {
  const load = loadavg().map((v) => v.toFixed(2)).join(' ');
  const fmt = (v) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString());
  const lines = [
    `Fashion-MNIST ${base.count} × 784, ${NQ} queries; FAISS ${faiss.version ?? '(recorded)'} (${faiss.threads ?? 2} threads) vs Reef (Node ${process.version}). Encode: the base vectors; throughput = vectors/s. Load average when written: ${load}.`,
    '',
    '| config | figure | Reef | FAISS | Reef/FAISS |',
    '|---|---|---|---|---|',
  ];
  for (const { name, reef, opq } of rows) {
    const f = faiss.results[CONFIGS[name].faiss] ?? {};
    if (opq) lines.push(`| ${name} | OPQ params | ${Object.entries(opq).map(([k, v]) => `${k}=${v}`).join(', ')} | | |`);
    const figures = [
      ['MSE', reef.mse, f.mse],
      ['recall@10', reef.recall10, f.recall10],
      ['train s', reef.train_s, f.train_s],
      ['encode vectors/s', base.count / reef.encode_s, f.encode_s && base.count / f.encode_s],
      ...(reef.encode_into_s === undefined ? [] : [['encode vectors/s, into a reused buffer', base.count / reef.encode_into_s, f.encode_into_s && base.count / f.encode_into_s]]),
      ['ADC search ms/query, batch, 1 thread', reef.search_1thread_ms_per_query, f.search_1thread_ms_per_query],
      ['ADC search ms/query, 1 query per call, 1 thread', reef.search_nq1_1thread_ms_per_query, f.search_nq1_1thread_ms_per_query],
      [`ADC search ms/query, batch, ${faiss.threads ?? 2} threads`, reef.search_ms_per_query, f.search_ms_per_query],
    ];
    for (const [label, r, fv] of figures) {
      if (r === undefined) lines.push(`| ${name} | ${label} | (one thread only) | ${fv === undefined ? '(not measured)' : fmt(fv)} | |`);
      else if (fv === undefined || Number.isNaN(fv)) lines.push(`| ${name} | ${label} | ${fmt(r)} | (not measured) | |`);
      else lines.push(`| ${name} | ${label}${f.recorded ? ' (FAISS recorded)' : ''} | ${fmt(r)} | ${fmt(fv)} | ${(r / fv).toFixed(3)} |`);
    }
  }
  const report = lines.join('\n');
  console.log(report);
  writeFileSync(join(OUT_DIR, `report-${names.join('-')}.md`), report + '\n');
}
