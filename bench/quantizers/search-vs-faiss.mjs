// ADC search speed of PQ and OPQ on full Fashion-MNIST next to FAISS 1.7.3 run by this script:
// 60,000 codes, top 10 of the first NQ test images, timed as the batch on one thread, one query per
// call on one thread, and the batch on every core (Reef: worker threads, FAISS: OpenMP threads).
// Both sides train quickly on the first NTRAIN images (k-means niter 10, OPQ 3 alternations), since
// search time depends on the code count and layout, not on how well the codebooks are trained; the
// quality figures are fmnist-vs-faiss.mjs's. Recall@10 is printed only as a sanity check. Encoding
// all 60,000 base vectors is timed too (both on every core: Reef encodeAsync, FAISS sa_encode), for
// the same reason: its speed does not depend on the training either.
// Build first:  npx -y pnpm@10 turbo run build --filter=@reef/quantizer-opq... --filter=@reef/datasets
// Run:          flock /tmp/reef-bench.lock node bench/quantizers/search-vs-faiss.mjs [--nq 1000] [--ntrain 20000] [--repeats 5] [CONFIG...]
// CONFIG is PQ8, PQ16, PQ56, OPQ8, OPQ16 (default: all). Prints medians and Reef/FAISS ratios; the
// table also goes to bench/out/quantizers/search-report.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recallAtK } from '../../packages/kernels/dist/index.js';
import { OptimizedProductQuantizer } from '../../plugins/opq/dist/index.js';
import { ProductQuantizer } from '../../plugins/pq/dist/index.js';
import { fashionMnist, medianAfterWarmup } from './fmnist.mjs';
import { pool } from './pool.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '../out/quantizers');
const QUICK_PQ = { nbits: 8, niter: 10 };
const QUICK_OPQ = { nbits: 8, niter: 3, niterFinal: 10 };
const CONFIGS = {
  PQ8: { faiss: 'PQ8', make: () => new ProductQuantizer({ m: 8, ...QUICK_PQ }, { pool }) },
  PQ16: { faiss: 'PQ16', make: () => new ProductQuantizer({ m: 16, ...QUICK_PQ }, { pool }) },
  PQ56: { faiss: 'PQ56', make: () => new ProductQuantizer({ m: 56, ...QUICK_PQ }, { pool }) },
  OPQ8: { faiss: 'OPQ8,PQ8', make: () => new OptimizedProductQuantizer({ m: 8, ...QUICK_OPQ }, { pool }) },
  OPQ16: { faiss: 'OPQ16,PQ16', make: () => new OptimizedProductQuantizer({ m: 16, ...QUICK_OPQ }, { pool }) },
};

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const VALUE_OPTIONS = new Set(['--nq', '--ntrain', '--repeats']);
for (const a of args) if (a.startsWith('--') && !VALUE_OPTIONS.has(a)) throw new Error(`unknown option ${a}; known: ${[...VALUE_OPTIONS].join(', ')}`);
const NQ = Number(option('--nq', 1000));
const NTRAIN = Number(option('--ntrain', 20000));
const REPEATS = Number(option('--repeats', 5));
const names = args.filter((a, i) => !a.startsWith('--') && !VALUE_OPTIONS.has(args[i - 1]));
if (!names.length) names.push(...Object.keys(CONFIGS));
for (const n of names) if (!CONFIGS[n]) throw new Error(`unknown config ${n}; known: ${Object.keys(CONFIGS).join(', ')}`);

const medianMs = (fn) => medianAfterWarmup(REPEATS, fn);
/** medianMs per query of the batch. */
async function msPerQuery(fn) {
  const { ms, out } = await medianMs(fn);
  return { ms: ms / NQ, out };
}

mkdirSync(OUT, { recursive: true });
const faissJson = join(OUT, 'faiss-search.json');
console.error(`FAISS: ${names.map((n) => CONFIGS[n].faiss).join(' ')} ...`);
// Passive OpenMP waiting: on a shared machine, spinning threads make FAISS many times slower.
const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
execFileSync('/usr/bin/python3', [join(here, 'faiss_search.py'), faissJson, String(NQ), String(NTRAIN), String(REPEATS), ...names.map((n) => CONFIGS[n].faiss)], { stdio: 'inherit', env });
const faiss = JSON.parse(readFileSync(faissJson, 'utf8'));

const base = fashionMnist('train-images-idx3-ubyte.gz');
const queries = fashionMnist('t10k-images-idx3-ubyte.gz', NQ);
const train = { data: base.data.subarray(0, NTRAIN * base.dim), count: NTRAIN, dim: base.dim };
const batch = { data: queries.data, count: NQ, dim: queries.dim };
// The exact top 10 (FAISS's flat index), for the sanity-check recall.
const truth = Int32Array.from(faiss.groundtruth);
const rows = [];
for (const name of names) {
  const q = CONFIGS[name].make();
  await q.fit(train, { seed: 1234 });
  const codes = await q.encodeAsync(base);
  const one = (i) => ({ data: queries.data.subarray(i * queries.dim, (i + 1) * queries.dim), count: 1, dim: queries.dim });
  const batch1 = await msPerQuery(() => q.searchBatch(batch, codes, 10, 'l2', { threads: 1 }));
  const single = await msPerQuery(async () => {
    for (let i = 0; i < NQ; i++) await q.searchBatch(one(i), codes, 10, 'l2', { threads: 1 });
  });
  const threaded = await msPerQuery(() => q.searchBatch(batch, codes, 10, 'l2'));
  // Encoding is timed after the searches (as faiss_search.py does): timed right before them, its
  // large allocations and their collection slowed the first search figure by up to 1.5×.
  const { ms: encodeMs } = await medianMs(() => q.encodeAsync(base));
  const reef = { batch_1thread: batch1.ms, nq1_1thread: single.ms, batch_threads: threaded.ms, encode_s: encodeMs / 1000, recall10: recallAtK(batch1.out.ids, 10, truth, 10, NQ, 10) };
  rows.push({ name, reef, faiss: faiss.results[CONFIGS[name].faiss] });
  console.error(`reef ${name}: ${JSON.stringify(reef)}`);
}

const fmt = (v) => Number(v.toPrecision(3)).toString();
const lines = [
  `ADC search, Fashion-MNIST: 60,000 codes, top 10 of ${NQ} queries, codebooks trained quickly on ${NTRAIN} images; median of ${REPEATS} runs, ms/query. FAISS ${faiss.version} (${faiss.threads} OpenMP threads) vs Reef (Node ${process.version}, ${faiss.threads} worker threads). Load average when written: ${loadavg().map((v) => v.toFixed(2)).join(' ')}.`,
  '',
  '| config | batch, 1 thread: Reef / FAISS (ratio) | 1 query per call, 1 thread | batch, all threads | encode, vectors/s on all threads: Reef / FAISS (ratio; above 1: Reef faster) | recall@10 Reef / FAISS |',
  '|---|---|---|---|---|---|',
];
for (const { name, reef, faiss: f } of rows) {
  const cell = (key) => `${fmt(reef[key])} / ${fmt(f[key])} (**${(reef[key] / f[key]).toFixed(2)}**)`;
  const perSecond = (encodeS) => Math.round(base.count / encodeS).toLocaleString('en-US');
  const encode = `${perSecond(reef.encode_s)} / ${perSecond(f.encode_s)} (**${(f.encode_s / reef.encode_s).toFixed(2)}**)`;
  lines.push(`| ${name} | ${cell('batch_1thread')} | ${cell('nq1_1thread')} | ${cell('batch_threads')} | ${encode} | ${reef.recall10.toFixed(4)} / ${f.recall10.toFixed(4)} |`);
}
const report = lines.join('\n');
console.log(report);
writeFileSync(join(OUT, 'search-report.md'), report + '\n');

