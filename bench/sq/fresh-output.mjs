// What writing SQ codes into a freshly allocated buffer costs here, next to a reused one, and what
// the same costs numpy (FAISS's sa_encode returns a numpy array; numpy asks for transparent huge
// pages on large arrays, Node's ArrayBuffers get 4 KB pages). Sizes: the 60k × 784 Fashion-MNIST
// codes of SQ4, SQ6, SQ8 and fp16. Medians of 5.
// Run: flock /tmp/reef-bench.lock node bench/sq/fresh-output.mjs
import { execFileSync } from 'node:child_process';

const SIZES = { SQ4: 23_520_000, SQ6: 35_280_000, SQ8: 47_040_000, fp16: 94_080_000 };
const REPEATS = 5;
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
const chunk = new Uint8Array(65536).fill(1);
function fill(out) {
  for (let s = 0; s < out.length; s += chunk.length) out.set(s + chunk.length <= out.length ? chunk : chunk.subarray(0, out.length - s), s);
}

const python = `
import numpy as np, time, sys
for name, n in ${JSON.stringify(Object.entries(SIZES))}:
    row = []
    for hp in (True, False):
        np.core.multiarray._set_madvise_hugepage(hp)
        ts = []
        for _ in range(${REPEATS}):
            t = time.perf_counter(); a = np.empty(n, np.uint8); a.fill(1); ts.append((time.perf_counter() - t) * 1000); del a
        row.append(sorted(ts)[len(ts) // 2])
    print(name, *('%.1f' % x for x in row))
`;
const numpy = Object.fromEntries(
  execFileSync('/usr/bin/python3', ['-c', python], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [name, huge, small] = line.split(' ');
      return [name, { huge, small }];
    }),
);

console.log('| codes | MB | Node fresh Uint8Array ms | Node reused ms | numpy, huge pages ms | numpy, 4 KB pages ms |');
console.log('|---|---|---|---|---|---|');
for (const [name, n] of Object.entries(SIZES)) {
  const fresh = [];
  const reused = [];
  const kept = new Uint8Array(n);
  fill(kept);
  for (let r = 0; r < REPEATS; r++) {
    let t = performance.now();
    fill(new Uint8Array(n));
    fresh.push(performance.now() - t);
    t = performance.now();
    fill(kept);
    reused.push(performance.now() - t);
  }
  console.log(`| ${name} | ${(n / 1e6).toFixed(1)} | ${median(fresh)} | ${median(reused)} | ${numpy[name].huge} | ${numpy[name].small} |`);
}
