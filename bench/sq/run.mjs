// SQ benchmark on full Fashion-MNIST (60k base = training set, the first NQ test images as
// queries), next to FAISS 1.7.3 run in the same script (/usr/bin/python3 with python3-faiss).
// Build first: npx -y pnpm@10 turbo run build --filter=@reef/quantizer-sq...
// Run: node bench/sq/run.mjs [NQ=1000]   (wrap in `flock /tmp/reef-bench.lock` on shared machines)
// With GLIBC_TUNABLES=glibc.malloc.hugetlb=1 in the environment (glibc ≥ 2.35), both processes get
// transparent huge pages for large allocations: the fresh-output encode column then stops paying a
// page fault per 4 KiB (see plugins/sq/README.md).
import { Registry, vectors } from '../../packages/core/dist/index.js';
import { recallAtK, topK } from '../../packages/kernels/dist/index.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import plugin from '../../plugins/sq/dist/index.js';
import { SQ_CONFIGS } from './configs.mjs';
import { medianMs } from './median.mjs';

const NQ = Number(process.argv[2] ?? 1000);
const IDX = '/usr/share/datasets/fashion-mnist/';
const REPEATS = 3;

/** IDX3 images as float32 rows of 784 pixel values 0–255. */
function idxImages(name, limit = Infinity) {
  const raw = gunzipSync(readFileSync(IDX + name));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = Math.min(view.getUint32(4), limit);
  const dim = view.getUint32(8) * view.getUint32(12);
  return vectors(Float32Array.from(raw.subarray(16, 16 + count * dim)), dim);
}

const dir = mkdtempSync(join(tmpdir(), 'reef-bench-sq-'));
try {
  console.error(`FAISS side (${NQ} queries)...`);
  execFileSync('/usr/bin/python3', [fileURLToPath(new URL('faiss_sq.py', import.meta.url)), dir, String(NQ)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const faiss = JSON.parse(readFileSync(join(dir, 'faiss.json'), 'utf8'));
  const gtRaw = readFileSync(join(dir, 'groundtruth.i32'));
  const truth = new Int32Array(gtRaw.buffer.slice(gtRaw.byteOffset, gtRaw.byteOffset + gtRaw.byteLength));

  const base = idxImages('train-images-idx3-ubyte.gz');
  const queries = idxImages('t10k-images-idx3-ubyte.gz', NQ);
  const dim = base.dim;
  const registry = new Registry();
  registry.use(plugin);
  const rows = [];
  for (const f of faiss.results) {
    const params = SQ_CONFIGS[f.name];
    let q;
    const { ms: trainMs } = await medianMs(REPEATS, async () => {
      q = registry.createQuantizer('sq', params, dim);
      await q.fit(base);
    });
    const { ms: encodeMs, out: codes } = await medianMs(REPEATS, () => q.encode(base));
    // Into one reused buffer, as FAISS's C++ sa_encode on a preallocated array: the encoder alone.
    const into = new Uint8Array(codes.length);
    const { ms: encodeIntoMs } = await medianMs(REPEATS, () => q.encode(base, into));
    if (!Buffer.from(into).equals(Buffer.from(codes))) throw new Error(`${f.name}: encode into a buffer differs from encode`);
    const decoded = q.decode(codes);
    let sq = 0;
    for (let i = 0; i < decoded.length; i++) sq += (decoded[i] - base.data[i]) ** 2;
    const mse = sq / base.count;
    const found = new Int32Array(NQ * 10);
    const dist = new Float32Array(base.count);
    const t = performance.now();
    for (let i = 0; i < NQ; i++) {
      q.search.prepare(queries.data.subarray(i * dim, (i + 1) * dim), 'l2').distances(codes, dist);
      topK(dist, 10, true, found.subarray(i * 10, (i + 1) * 10));
    }
    const searchMs = (performance.now() - t) / NQ;
    const recall = recallAtK(found, 10, truth, 10, NQ, 10);
    rows.push({ f, r: { code_bytes: q.codeSize, mse, recall10: recall, train_s: trainMs / 1000, encode_s: encodeMs / 1000, encode_into_s: encodeIntoMs / 1000, search_ms_per_query: searchMs } });
    console.error(`reef ${f.name}: mse ${mse.toFixed(1)} recall@10 ${recall.toFixed(4)}`);
  }
  const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(4));
  const ratio = (a, b) => (b === 0 ? (a === 0 ? '1 (both 0)' : '∞') : (a / b).toFixed(3));
  console.log(`\nSQ on Fashion-MNIST: ${base.count} base × ${dim}, ${NQ} queries; FAISS ${faiss.faiss} with ${faiss.threads} threads, Reef single-threaded; medians of ${REPEATS}`);
  // Fresh outputs pay a page fault per page first written: which pages large allocations get matters.
  const hugePages = /glibc\.malloc\.hugetlb=[12]/.test(process.env.GLIBC_TUNABLES ?? '');
  console.log(
    hugePages
      ? `Large allocations on transparent huge pages in both processes (GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES})\n`
      : "Large allocations as glibc gives them (Node's ArrayBuffers on 4 KiB pages; numpy asks for huge pages itself)\n",
  );
  console.log('| config | bytes | MSE Reef | MSE FAISS | ratio | recall@10 Reef | FAISS | train s Reef / FAISS (ratio) | encode s Reef / FAISS (ratio) | encode into a reused buffer, s Reef / FAISS (ratio) | search ms/query Reef / FAISS (ratio) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { f, r } of rows) {
    console.log(
      `| ${f.name} | ${r.code_bytes} | ${fmt(r.mse)} | ${fmt(f.mse)} | ${ratio(r.mse, f.mse)} | ${r.recall10.toFixed(4)} | ${f.recall10.toFixed(4)} | ` +
        `${fmt(r.train_s)} / ${fmt(f.train_s)} (${ratio(r.train_s, f.train_s)}) | ${fmt(r.encode_s)} / ${fmt(f.encode_s)} (${ratio(r.encode_s, f.encode_s)}) | ` +
        `${fmt(r.encode_into_s)} / ${fmt(f.encode_into_s)} (${ratio(r.encode_into_s, f.encode_into_s)}) | ` +
        `${fmt(r.search_ms_per_query)} / ${fmt(f.search_ms_per_query)} (${ratio(r.search_ms_per_query, f.search_ms_per_query)}) |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
