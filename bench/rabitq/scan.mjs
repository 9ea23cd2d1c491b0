// RaBitQ 1-bit scan speed (fast scan, its re-scored variant, the popcount scan, the float-query table
// scan = the exact estimator, and the decoded-vector ranking) against PQ16 (m=16, 8 bits) on the sweep's synthetic set
// clustered:n=20000,dim=128,clusters=64 with 200 held-out queries (as `reef-sweep --dataset` makes it),
// interleaved rounds (every slice of 20 queries under each method in turn), medians of the queries/s of scanning
// every code and taking the top 10 per query, and recall@10 of each against exact L2 ground truth.
// With OLD pointing at another build of plugins/rabitq (a copy of its dist with a node_modules link
// beside it), that build loads the same saved model and its estimates are checked bit for bit.
// Build first: npx -y pnpm@10 exec turbo run build --filter=@reef/quantizer-rabitq... --filter=@reef/quantizer-pq... --filter=@reef/datasets
// Run: flock /tmp/reef-bench.lock node bench/rabitq/scan.mjs [ROUNDS=5] [BITS=1]   (RERANK=100 in the environment: codes re-scored)
// Prints a markdown table (median queries/s, ratio to PQ16 from the same rounds, recall@10) and the
// load average before and after; paste it into plugins/rabitq/README.md.
import { Registry } from '../../packages/core/dist/index.js';
import { clusteredVectors, holdOutQueries } from '../../packages/datasets/dist/index.js';
import { exactKnn, recallAtK, topK } from '../../packages/kernels/dist/index.js';
import { loadavg } from 'node:os';
import pq from '../../plugins/pq/dist/index.js';
import rabitq from '../../plugins/rabitq/dist/index.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const BITS = Number(process.argv[3] ?? 1);
const { base, queries } = holdOutQueries(clusteredVectors({ count: 20200, dim: 128, clusters: 64 }), 200, 1);
const dim = base.dim;
const truth = exactKnn(base.data, base.count, queries.data, queries.count, dim, 10);

function registryWith(plugin) {
  const r = new Registry();
  r.use(plugin);
  return r;
}
const rq = registryWith(rabitq).createQuantizer('rabitq', { bits: BITS }, dim);
// Not seed 1: clusteredVectors draws the data from Rng(1), and randomOrthogonal's Householder QR of
// the same Gaussian stream would be a rotation aligned with the cluster centres (mean ip 0.36 instead
// of the ≈ 0.80 of a random rotation), flattering the sign codes.
const RABITQ_SEED = 2;
await rq.fit(base, { seed: RABITQ_SEED });
const pq16 = registryWith(pq).createQuantizer('pq', { m: 16, nbits: 8 }, dim);
await pq16.fit(base, { seed: 1 });
const rqCodes = rq.encode(base);
// The same model and codes under the other search settings (encoding does not depend on them).
const variant = async (params) => {
  const q = registryWith(rabitq).createQuantizer('rabitq', { bits: BITS, ...params }, dim);
  await q.fit(base, { seed: RABITQ_SEED });
  return q;
};
const RERANK = Number(process.env.RERANK ?? 100);
const methods = [
  { name: `RaBitQ ${BITS}-bit (query fastscan: u8 tables, SIMD swizzles)`, q: rq, codes: rqCodes },
  { name: `RaBitQ ${BITS}-bit, fastscan + re-score best ${RERANK} with the float query`, q: await variant({ rerank: RERANK }), codes: rqCodes },
  { name: `RaBitQ ${BITS}-bit, query 4bit (popcount scan)`, q: await variant({ query: '4bit' }), codes: rqCodes },
  { name: `RaBitQ ${BITS}-bit, query float (exact estimator, table scan)`, q: await variant({ query: 'float' }), codes: rqCodes },
  { name: `RaBitQ ${BITS}-bit, ranking decoded (query fastscan)`, q: await variant({ ranking: 'decoded' }), codes: rqCodes },
  { name: 'PQ16 (m=16 × 8 bits)', q: pq16, codes: pq16.encode(base) },
];
if (process.env.OLD) {
  const old = registryWith((await import(new URL(process.env.OLD, 'file:///').href)).default).loadQuantizer(rq.save());
  methods.splice(1, 0, { name: `RaBitQ ${BITS}-bit, old build`, q: old, codes: methods[0].codes });
  let differ = 0;
  for (let i = 0; i < queries.count; i++) {
    const query = queries.data.subarray(i * dim, (i + 1) * dim);
    const a = rq.search.prepare(query, 'l2').distances(methods[0].codes);
    const b = old.search.prepare(query, 'l2').distances(methods[0].codes);
    for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) differ++;
  }
  console.log(`estimates that differ bit for bit from the old build: ${differ} of ${queries.count * base.count}`);
}

/**
 * Scans queries [from, to) for one method: top 10 ids into `ids`; returns the seconds taken on the
 * wall clock and in this process's CPU time (user + system: what the scans cost, less inflated than
 * the wall clock when other jobs hold the cores; the process runs one thread).
 */
function scan({ q, codes }, from, to, ids) {
  const search = q.search;
  const dist = new Float32Array(base.count);
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = from; i < to; i++) {
    search.prepare(queries.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(codes, dist);
    topK(dist, 10, true, ids.subarray(i * 10, (i + 1) * 10));
  }
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
}
// Untimed warm-up: 20 queries under each method, so that the first timed round does not pay for
// compiling (V8 tiers WASM and JS up to optimised code as they run).
methods.forEach((m) => scan(m, 0, 20, new Int32Array(queries.count * 10)));
const loadBefore = loadavg().map((x) => x.toFixed(1)).join(' ');
const seconds = methods.map(() => []);
const cpuSeconds = methods.map(() => []);
const recall = [];
// Interleaved finely: every slice of 20 queries runs under each method in turn (the first method
// rotating), so a burst of load from other jobs hits all of them alike; a round's time per method is
// the sum over its slices.
const SLICE = 20;
for (let r = 0; r < ROUNDS; r++) {
  const total = methods.map(() => 0);
  const totalCpu = methods.map(() => 0);
  const ids = methods.map(() => new Int32Array(queries.count * 10));
  for (let from = 0, s = 0; from < queries.count; from += SLICE, s++) {
    for (let j = 0; j < methods.length; j++) {
      const k = (j + s + r) % methods.length;
      const took = scan(methods[k], from, Math.min(queries.count, from + SLICE), ids[k]);
      total[k] += took.wall;
      totalCpu[k] += took.cpu;
    }
  }
  methods.forEach((_, k) => {
    seconds[k].push(total[k]);
    cpuSeconds[k].push(totalCpu[k]);
    recall[k] = recallAtK(ids[k], 10, truth.ids, 10, queries.count, 10);
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`clustered:n=20000,dim=128,clusters=64 (20,200 drawn, 200 held out), ${ROUNDS} interleaved rounds, load average before ${loadBefore}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| method | bytes/vector | recall@10 | median queries/s | vs PQ16 | median queries per CPU second | vs PQ16 (CPU) |');
console.log('|---|---|---|---|---|---|---|');
const last = methods.length - 1;
const pqQps = queries.count / median(seconds[last]);
const pqCpu = queries.count / median(cpuSeconds[last]);
methods.forEach((m, k) => {
  const qps = queries.count / median(seconds[k]);
  const cpu = queries.count / median(cpuSeconds[k]);
  console.log(`| ${m.name} | ${m.q.codeSize} | ${recall[k].toFixed(4)} | ${qps.toFixed(0)} | ${(qps / pqQps).toFixed(2)}× | ${cpu.toFixed(0)} | ${(cpu / pqCpu).toFixed(2)}× |`);
});
const perRound = (times, k) => times[k].map((t, r) => (times[last][r] / t).toFixed(2) + '×').join(', ');
methods.slice(0, last).forEach((m, k) => console.log(`${m.name} ÷ PQ16, queries/s per round: ${perRound(seconds, k)} (CPU time: ${perRound(cpuSeconds, k)})`));

// Why the estimator ranks worse than the decoded vectors. Per code, est = ‖r‖² + ‖q−c‖² − 2·inner with
// inner = ‖r‖/ip · ⟨x̄, q'⟩ (unbiased for ⟨r, q − c⟩); decoding gives r̂ = ‖r‖·ip·x̄, so the distance to
// the decoded vector is ‖q−c‖² − 2·ip²·inner + ip²·‖r‖². Rankings rebuilt from the estimates and the
// stored factors alone (no decoding) separate the two differences.
{
  const { q, codes } = methods[0];
  const view = new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
  const at = (i) => i * q.codeSize + q.codeSize - 12;
  const norm = Float64Array.from({ length: base.count }, (_, i) => view.getFloat32(at(i), true));
  const ip = Float64Array.from({ length: base.count }, (_, i) => view.getFloat32(at(i) + 8, true));
  const variants = { estimator: [], 'inner × ip² (shrunk like the decoded vector), exact ‖r‖²': [], 'decoded-vector formula from factors': [] };
  const names = Object.keys(variants);
  const found = names.map(() => new Int32Array(queries.count * 10));
  const centroid = q.save().arrays.centroid.data;
  for (let n = 0; n < queries.count; n++) {
    const query = queries.data.subarray(n * dim, (n + 1) * dim);
    let qc = 0;
    for (let j = 0; j < dim; j++) qc += (query[j] - centroid[j]) ** 2;
    const est = q.search.prepare(query, 'l2').distances(codes);
    const shrunk = new Float32Array(base.count);
    const decodedLike = new Float32Array(base.count);
    for (let i = 0; i < base.count; i++) {
      const inner = (norm[i] ** 2 + qc - est[i]) / 2;
      const w = ip[i] * ip[i];
      shrunk[i] = norm[i] ** 2 + qc - 2 * w * inner;
      decodedLike[i] = qc - 2 * w * inner + w * norm[i] ** 2;
    }
    [est, shrunk, decodedLike].forEach((d, v) => found[v].set(topK(d, 10, true).ids, n * 10));
  }
  const decodedRecall = recallAtK(exactKnn(q.decode(codes), base.count, queries.data, queries.count, dim, 10).ids, 10, truth.ids, 10, queries.count, 10);
  let meanIp = 0;
  for (const v of ip) meanIp += v / base.count;
  console.log(`\nRaBitQ ${BITS}-bit ranking variants (mean ip ${meanIp.toFixed(3)}, mean ‖r‖ ${(norm.reduce((a, b) => a + b, 0) / base.count).toFixed(2)}):`);
  console.log(`| ranking | recall@10 |\n|---|---|\n| decoded vectors (exact L2 to decode()) | ${decodedRecall.toFixed(4)} |`);
  names.forEach((name, v) => console.log(`| ${name} | ${recallAtK(found[v], 10, truth.ids, 10, queries.count, 10).toFixed(4)} |`));
}
