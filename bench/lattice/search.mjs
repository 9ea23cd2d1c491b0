// Lattice asymmetric search speed in the quick sweep's configuration (lattice e8, 4 bits, default
// normalisation, fixtures/fmnist-2k-784-euclidean.hdf5: 2000 base, the quick sweep's first 30
// queries), timed as the sweep times it (@reef/metrics' searchAsymmetric, top 100, as
// measureQuantizer does): a fresh quantizer encodes the base (not timed), then each query is
// prepared, scanned against every code and its top 100 taken.
// With OLD pointing at another build of the plugin (e.g. a copy of plugins/lattice/dist from before
// a change, with a node_modules link beside it so that its imports resolve), both builds load the
// same saved model and run interleaved (new, old, new, old, ...); medians over rounds, plus a check
// that both produce the same codes and bit-for-bit the same distances.
// "cold" times the new build on a copy of the codes it has never seen (first query pays one decoding pass).
// Build first: npx -y pnpm@10 exec turbo run build --filter=@reef/quantizer-lattice... --filter=@reef/hdf5
// Run: flock /tmp/reef-bench.lock node bench/lattice/search.mjs [ROUNDS=5] [QUERIES=30]
//      OLD=/tmp/old-lattice/dist/index.js [PREV=/tmp/prev-lattice/dist/index.js] flock /tmp/reef-bench.lock node bench/lattice/search.mjs
// OLD is the baseline of the speed-up (the per-query decoding build); PREV, optional, a third build
// run in the same rounds. Prints medians, the old/new ratio of each round, and the load average
// before and after.
import { Registry } from '../../packages/core/dist/index.js';
import { readAnnBenchmarks } from '../../packages/hdf5/dist/index.js';
import { recallAtK } from '../../packages/kernels/dist/index.js';
import { SEARCH_K, searchAsymmetric } from '../../packages/metrics/dist/index.js';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import lattice from '../../plugins/lattice/dist/index.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const QUERIES = Number(process.argv[3] ?? 30);
const FILE = fileURLToPath(new URL('../../fixtures/fmnist-2k-784-euclidean.hdf5', import.meta.url));
const PARAMS = { lattice: 'e8', bits: 4 };

const data = await readAnnBenchmarks(FILE);
const { train: base, test: allQueries } = data;
const dim = base.dim;
const nq = Math.min(QUERIES, allQueries.count);
const query = (i) => allQueries.data.subarray(i * dim, (i + 1) * dim);

function registryWith(plugin) {
  const r = new Registry();
  r.use(plugin);
  return r;
}
const trained = registryWith(lattice).createQuantizer('lattice', PARAMS, dim);
await trained.fit(base, { seed: 1 });
const saved = trained.save();
const builds = [{ name: 'new', registry: registryWith(lattice) }];
if (process.env.OLD) builds.push({ name: 'old', registry: registryWith((await import(new URL(process.env.OLD, 'file:///').href)).default) });
if (process.env.PREV) builds.push({ name: 'prev', registry: registryWith((await import(new URL(process.env.PREV, 'file:///').href)).default) });
const loadBefore = loadavg().map((x) => x.toFixed(1)).join(' ');

/** Top-100 ids of every query, and the seconds the searches took, exactly as the sweep runs them. */
function searchAll(q, codes) {
  const t = performance.now();
  const { ids } = searchAsymmetric(q, codes, queries, SEARCH_K);
  return { ids, seconds: (performance.now() - t) / 1000 };
}
const queries = { data: allQueries.data.subarray(0, nq * dim), count: nq, dim };

const seconds = builds.map(() => []);
const cold = [];
let found;
for (let r = 0; r < ROUNDS; r++) {
  // Each round starts with a different build, so neither always runs first.
  const order = builds.map((_, k) => (k + r) % builds.length);
  order.forEach((k) => {
    const b = builds[k];
    const q = b.registry.loadQuantizer(saved);
    const codes = q.encode(base);
    const run = searchAll(q, codes);
    seconds[k].push(run.seconds);
    if (k === 0) {
      found = run.ids;
      cold.push(searchAll(q, codes.slice()).seconds);
    }
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (builds.length >= 2) {
  const [a, b] = builds.map((x) => x.registry.loadQuantizer(saved));
  const ca = a.encode(base);
  const cb = b.encode(base);
  const sameCodes = ca.length === cb.length && ca.every((v, i) => v === cb[i]);
  let differ = 0;
  for (let i = 0; i < nq; i++) {
    const da = a.search.prepare(query(i), 'l2').distances(ca);
    const db = b.search.prepare(query(i), 'l2').distances(cb);
    for (let j = 0; j < da.length; j++) if (!Object.is(da[j], db[j])) differ++;
  }
  console.log(`same codes: ${sameCodes}; distances that differ bit for bit over ${nq} queries × ${base.count} codes: ${differ}`);
}
const recall = data.neighbors ? recallAtK(found, SEARCH_K, data.neighbors.ids, data.neighbors.k, nq, 10) : NaN;
console.log(`fmnist-2k: ${base.count} base × ${dim}, ${nq} queries, lattice ${JSON.stringify(PARAMS)}, recall@10 ${recall.toFixed(4)}; ${ROUNDS} interleaved rounds; load average before ${loadBefore}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| build | median ms/query | median queries/s |');
console.log('|---|---|---|');
const row = (name, xs) => console.log(`| ${name} | ${((median(xs) * 1000) / nq).toFixed(2)} | ${(nq / median(xs)).toFixed(1)} |`);
builds.forEach((b, k) => row(b.name, seconds[k]));
row('new, cold (codes never seen: first query decodes them)', cold);
if (builds.length >= 2) {
  console.log(`speed-up, median old / median new: ${(median(seconds[1]) / median(seconds[0])).toFixed(0)}× (cold: ${(median(seconds[1]) / median(cold)).toFixed(0)}×)`);
  console.log(`old / new per round: ${seconds[1].map((s, r) => (s / seconds[0][r]).toFixed(0) + '×').join(', ')}`);
  if (builds.length === 3) console.log(`prev / new per round: ${seconds[2].map((s, r) => (s / seconds[0][r]).toFixed(2) + '×').join(', ')}; medians ${(median(seconds[2]) / median(seconds[0])).toFixed(2)}×`);
}
