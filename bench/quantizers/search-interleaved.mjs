// PQ search, Reef against FAISS 1.7.3 run by faiss_server.py under /usr/bin/python3 in the same run,
// timed interleaved (Reef, FAISS, Reef, FAISS, ...), top 10, on one thread and on two (Reef: worker
// threads of the bench pool; FAISS: OpenMP and OpenBLAS threads). Medians of REPEATS runs after one
// warm-up each (FAISS's warm-up searches the first 200 queries: it has no JIT or workers to start),
// compared. Data (--data):
// - fmnist (default): full Fashion-MNIST, 60,000 base images, the first NQ test images as queries.
// - clustered-1m: `clustered:n=1010000,dim=128,clusters=10000` of @reef/datasets (seeded Gaussian
//   mixture) split as loadDataset splits it (10,000 held out with seed 1, the sweep's
//   `--dataset clustered:n=1010000,dim=128,clusters=10000 --queries 10000`): 1,000,000 base vectors,
//   the first NQ held-out ones as queries. Generated here (a few seconds), handed to FAISS as raw
//   float32 files in a temporary folder (removed at the end); the exact top 10 (FAISS's flat index)
//   is cached under $XDG_CACHE_HOME/reef/datasets (or ~/.cache/reef/datasets), keyed by a hash of
//   the data.
// Configurations:
// - Fast scan (PQ16x4fs ...): Reef's `pq-fs` against FAISS's IndexPQFastScan, both trained on all
//   base vectors with their defaults, so recall@10 compares too. Reef's time covers searchBatch
//   whole: tables, blocking the codes into the fast-scan layout (FAISS does that once, at add) and,
//   on two threads, the copy into shared memory.
// - 8-bit ADC (PQ8, PQ16, PQ56, OPQ8, OPQ16): Reef's `pq` / `opq` searchBatch against IndexPQ /
//   OPQ+IndexPQ search, trained quickly on the first 20,000 base vectors (k-means niter 10, OPQ 3
//   alternations), as search-vs-faiss.mjs: search time depends on the code layout, not on training.
// Recall@10 is against the exact top 10 (FAISS's flat index). FAISS's PQ needs m to divide the
// dimension: for m = 32 on Fashion-MNIST its vectors get 16 zero columns (800; no distance changes),
// while Reef splits 784 unevenly (16 sub-spaces of 25 components, 16 of 24).
// Build first:  npx -y pnpm@10 exec turbo run build --filter=@reef/quantizer-opq... --filter=@reef/datasets
// Run:          node bench/quantizers/search-interleaved.mjs [--data fmnist|clustered-1m] [--nq 10000] [--repeats 3] [--k-factor 1] [--threads 1,2] [CONFIG...]
// CONFIG: PQ8x4fs, PQ16x4fs, PQ32x4fs, PQ56x4fs, PQ8, PQ16, PQ56, OPQ8, OPQ16 (default: PQ16x4fs
// PQ32x4fs). --k-factor K > 1 times Reef's fast scan with exact re-ranking of the best 10·K (FAISS's
// row stays without). Prints medians, Reef/FAISS ratios and the load average (stdout: the table,
// stderr: progress and every run's time); the table also goes to bench/out/quantizers/search-interleaved-DATA.md.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusteredVectors, defaultCacheDir, holdOutQueries } from '../../packages/datasets/dist/index.js';
import { recallAtK } from '../../packages/kernels/dist/index.js';
import { OptimizedProductQuantizer } from '../../plugins/opq/dist/index.js';
import { FastScanQuantizer, ProductQuantizer } from '../../plugins/pq/dist/index.js';
import { startFaiss } from './faiss-server.mjs';
import { fashionMnist, readTyped } from './fmnist.mjs';
import { pool } from './pool.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '../out/quantizers');
const QUICK = { ntrain: 20000, niter: 10 };
const fastScan = (m) => ({ factory: `PQ${m}x4fs`, m, faiss: {}, make: () => new FastScanQuantizer({ m }, { pool }) });
const adc = (m) => ({ factory: `PQ${m}`, m, faiss: QUICK, make: () => new ProductQuantizer({ m, nbits: 8, niter: 10 }, { pool }) });
const opq = (m) => ({ factory: `OPQ${m},PQ${m}`, m, faiss: { ...QUICK, opq_niter: 3 }, make: () => new OptimizedProductQuantizer({ m, nbits: 8, niter: 3, niterFinal: 10 }, { pool }) });
const CONFIGS = {
  PQ8x4fs: fastScan(8),
  PQ16x4fs: fastScan(16),
  PQ32x4fs: fastScan(32),
  PQ56x4fs: fastScan(56),
  PQ8: adc(8),
  PQ16: adc(16),
  PQ56: adc(56),
  OPQ8: opq(8),
  OPQ16: opq(16),
};

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const VALUE_OPTIONS = new Set(['--data', '--nq', '--repeats', '--k-factor', '--threads']);
for (const a of args) if (a.startsWith('--') && !VALUE_OPTIONS.has(a)) throw new Error(`unknown option ${a}; known: ${[...VALUE_OPTIONS].join(', ')}`);
const DATA = option('--data', 'fmnist');
if (!['fmnist', 'clustered-1m'].includes(DATA)) throw new Error(`unknown --data ${DATA}; known: fmnist, clustered-1m`);
const NQ = Number(option('--nq', 10000));
if (!(Number.isInteger(NQ) && NQ >= 1 && NQ <= 10000)) throw new Error(`--nq must be an integer from 1 to 10000, got ${option('--nq')}`);
const REPEATS = Number(option('--repeats', 3));
const K_FACTOR = Number(option('--k-factor', 1));
const THREADS = option('--threads', '1,2').split(',').map(Number);
const names = args.filter((a, i) => !a.startsWith('--') && !VALUE_OPTIONS.has(args[i - 1]));
if (!names.length) names.push('PQ16x4fs', 'PQ32x4fs');
for (const n of names) if (!CONFIGS[n]) throw new Error(`unknown config ${n}; known: ${Object.keys(CONFIGS).join(', ')}`);

const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
mkdirSync(OUT, { recursive: true });

const SYNTHETIC = { spec: 'clustered:n=1010000,dim=128,clusters=10000', count: 1_010_000, dim: 128, clusters: 10000, seed: 1, heldOut: 10000 };
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Base, queries and exact top 10 of --data, loaded into the FAISS server too; returns FAISS's build info. */
async function loadData(faiss, scratch) {
  if (DATA === 'fmnist') {
    const info = await faiss.call({ cmd: 'load', nq: NQ });
    const truthPath = join(OUT, `fmnist-truth-${NQ}.i32`);
    if (!existsSync(truthPath)) await faiss.call({ cmd: 'truth', path: truthPath, k: 10 });
    const base = fashionMnist('train-images-idx3-ubyte.gz');
    const title = `Fashion-MNIST: ${base.count.toLocaleString('en')} codes`;
    return { info, title, base, queries: fashionMnist('t10k-images-idx3-ubyte.gz', NQ), truth: readTyped(Int32Array, truthPath) };
  }
  const t = performance.now();
  const { count, dim, seed, clusters, heldOut } = SYNTHETIC;
  const split = holdOutQueries(clusteredVectors({ count, dim, seed, clusters }), heldOut, 1);
  const base = split.base;
  const queries = { data: split.queries.data.subarray(0, NQ * dim), count: NQ, dim };
  const basePath = join(scratch, 'base.f32');
  const queriesPath = join(scratch, 'queries.f32');
  writeFileSync(basePath, bytesOf(base.data));
  writeFileSync(queriesPath, bytesOf(queries.data));
  console.error(`${SYNTHETIC.spec}: generated and written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const info = await faiss.call({ cmd: 'load_f32', base: basePath, queries: queriesPath, dim });
  const hash = createHash('sha256').update(bytesOf(base.data)).update(bytesOf(queries.data)).digest('hex').slice(0, 16);
  const cache = defaultCacheDir();
  mkdirSync(cache, { recursive: true });
  const truthPath = join(cache, `bench-${SYNTHETIC.spec.replace(/[^a-zA-Z0-9=.,-]/g, '_')}.q${NQ}.top10-${hash}.i32`);
  if (!existsSync(truthPath)) {
    console.error(`exact top 10 by FAISS's flat index (once; cached in ${truthPath})`);
    await faiss.call({ cmd: 'truth', path: truthPath, k: 10 });
  }
  const title = `\`${SYNTHETIC.spec}\` (seeded Gaussian mixture, ${heldOut.toLocaleString('en')} held out as loadDataset does): ${base.count.toLocaleString('en')} codes`;
  return { info, title, base, queries, truth: readTyped(Int32Array, truthPath) };
}

const utc = () => new Date().toISOString().slice(11, 16);
const started = utc();
const faiss = startFaiss();
const scratch = mkdtempSync(join(tmpdir(), 'reef-bench-'));
let data;
try {
  data = await loadData(faiss, scratch);
} finally {
  rmSync(scratch, { recursive: true, force: true }); // FAISS holds its copy in memory
}
const { info, title, base, queries, truth } = data;
console.error(`FAISS ${info.version} (${info.compile_options}), ${info.max_threads} OpenMP threads, BLAS: ${info.blas.join(', ')}; load average ${load()}`);
const WARMUP_NQ = Math.min(NQ, 200);

const rows = [];
for (const name of names) {
  const config = CONFIGS[name];
  const { m } = config;
  const built = await faiss.call({ cmd: 'build', factory: config.factory, dim: Math.ceil(base.dim / m) * m, ...config.faiss });
  const reef = config.make();
  const ntrain = config.faiss.ntrain ?? base.count;
  await reef.fit({ data: base.data.subarray(0, ntrain * base.dim), count: ntrain, dim: base.dim }, { seed: 1234 });
  const codes = await reef.encodeAsync(base);
  const idsPath = join(OUT, `faiss-${DATA}-${name}-ids.i32`);
  let faissRecall;
  const reefSearch = (threads) => reef.searchBatch(queries, codes, 10, 'l2', { threads, kFactor: K_FACTOR });
  const reefRecall = recallAtK((await reefSearch(1)).ids, 10, truth, 10, NQ, 10);
  for (const threads of THREADS) {
    const loadBefore = load();
    await reefSearch(threads); // warm-up: JIT, workers, WASM instances
    await faiss.call({ cmd: 'search', threads, k: 10, nq: WARMUP_NQ });
    const reefMs = [];
    const faissMs = [];
    for (let r = 0; r < REPEATS; r++) {
      const t = performance.now();
      await reefSearch(threads);
      reefMs.push(performance.now() - t);
      // FAISS's ids of its first timed run (written after the clock stops) give its recall.
      const path = faissRecall === undefined ? idsPath : undefined;
      faissMs.push((await faiss.call({ cmd: 'search', threads, k: 10, path })).ms);
      if (path) faissRecall = recallAtK(readTyped(Int32Array, idsPath), 10, truth, 10, NQ, 10);
    }
    const row = { name, threads, reef: median(reefMs) / NQ, faiss: median(faissMs) / NQ, reefRecall, faissRecall, faissTrain: built.train_s, load: `${loadBefore} → ${load()}` };
    rows.push(row);
    console.error(`${name} ${threads} thread(s): Reef ${reefMs.map((v) => v.toFixed(0)).join(' ')} ms, FAISS ${faissMs.map((v) => v.toFixed(0)).join(' ')} ms; load ${row.load}`);
  }
}
faiss.close();
await pool.close();

const fmt = (v) => Number(v.toPrecision(3)).toString();
const lines = [
  `PQ search, ${title}, top 10 of ${NQ.toLocaleString('en')} queries, ${started}–${utc()} UTC; median of ${REPEATS} interleaved runs (Reef, FAISS, Reef, FAISS, ...) after a warm-up, ms/query. FAISS ${info.version} (build: ${info.compile_options}; BLAS: ${info.blas.join(', ')}) vs Reef (Node ${process.version}, WASM SIMD; fast scan ${K_FACTOR > 1 ? `with exact re-ranking of the best ${10 * K_FACTOR}` : 'without re-ranking'}).`,
  '',
  '| config | threads | search ms/query: Reef / FAISS (ratio) | recall@10 Reef / FAISS | load average (1, 5, 15 min) before → after |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.threads} | ${fmt(r.reef)} / ${fmt(r.faiss)} (**${(r.reef / r.faiss).toFixed(2)}**) | ${r.reefRecall.toFixed(4)} / ${r.faissRecall.toFixed(4)} | ${r.load} |`),
];
const report = lines.join('\n');
console.log(report);
writeFileSync(join(OUT, `search-interleaved-${DATA}.md`), report + '\n');
