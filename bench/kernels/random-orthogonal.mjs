#!/usr/bin/env node
// randomOrthogonal(d): Reef's flat Householder QR against ml-matrix's QrDecomposition (the previous
// implementation), interleaved A, B, A, B…, medians and the ratio, with the load before and after.
// Run from the repository root after a build:  node bench/kernels/random-orthogonal.mjs [d] [rounds]
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { Rng, randomOrthogonal } from '../../packages/kernels/dist/index.js';

const require = createRequire(new URL('../../packages/kernels/package.json', import.meta.url));
const { Matrix, QrDecomposition } = require('ml-matrix');

const d = Number(process.argv[2] ?? 784);
const rounds = Number(process.argv[3] ?? 5);

function viaMlMatrix(n, rng) {
  const g = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g.set(i, j, rng.normal());
  const qr = new QrDecomposition(g);
  const q = qr.orthogonalMatrix;
  const r = qr.upperTriangularMatrix;
  for (let j = 0; j < n; j++) if (r.get(j, j) < 0) for (let i = 0; i < n; i++) q.set(i, j, -q.get(i, j));
  return q;
}

const time = (fn) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`randomOrthogonal(${d}), ${rounds} interleaved rounds; load before: ${load()}`);
const reef = [];
const ml = [];
for (let r = 0; r < rounds; r++) {
  reef.push(time(() => randomOrthogonal(d, new Rng(r + 1))));
  ml.push(time(() => viaMlMatrix(d, new Rng(r + 1))));
}
const a = median(reef);
const b = median(ml);
console.log(`Reef (flat Householder): median ${a.toFixed(0)} ms   ml-matrix QR: median ${b.toFixed(0)} ms   ratio ${(a / b).toFixed(2)}×`);
console.log(`load after: ${load()}`);
