#!/usr/bin/env node
// Writes fixtures/store-repo-v1: a small weight repository made by the `reef` CLI as it is, so that
// packages/store/test/fixture-repo.test.ts can prove later code still opens, verifies and exports
// repositories written before it. Run once, at commit e176282 (before @reef/codecs existed), with
// `turbo run build --filter=@reef/cli...` done first:
//
//   node scripts/make-store-fixture.mjs
//
// Re-running it with newer code writes a repository of the newer code, which proves nothing about
// compatibility: keep the committed fixture. The data is seeded, so the tensors are the same every
// run; the pack and commit files carry times and are not.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'dist', 'bin.js');
const target = join(root, 'fixtures', 'store-repo-v1');
const work = mkdtempSync(join(tmpdir(), 'reef-fixture-'));

// mulberry32 and Box-Muller: the same tensors on every run.
let seed = 15;
function uniform() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function normal() {
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
const gaussian = (n, scale) => Float64Array.from({ length: n }, () => normal() * scale);

function f16Bits(x) {
  // Round to nearest even through float32 is what numpy does for these magnitudes (no subnormals here).
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  let bits = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1))) bits += 1;
  return bits;
}
function bf16Bits(x) {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}
function encode(dtype, values) {
  switch (dtype) {
    case 'F32': return new Uint8Array(Float32Array.from(values).buffer);
    case 'F64': return new Uint8Array(Float64Array.from(values).buffer);
    case 'F16': return new Uint8Array(Uint16Array.from(values, f16Bits).buffer);
    case 'BF16': return new Uint8Array(Uint16Array.from(values, bf16Bits).buffer);
    case 'I64': return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
    default: throw new Error(dtype);
  }
}
/** A safetensors file: 8-byte header length, JSON header, tensor bytes in order. */
function safetensors(tensors) {
  const header = {};
  const parts = [];
  let offset = 0;
  for (const [name, { dtype, shape, values }] of Object.entries(tensors)) {
    const bytes = encode(dtype, values);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
  return Buffer.concat([length, Buffer.from(json), ...parts]);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
function reef(...args) {
  return execFileSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8' });
}

// The model: a dense layer moved by SGD (every weight changes a little: xor-planes), an f64 layer
// updated on a coarse grid (float-diff), an embedding of which few rows change per step (sparse), half-precision layers,
// a small bias (stored whole untried) and an integer step counter.
const model = {
  dense: { dtype: 'F32', shape: [64, 96], values: gaussian(64 * 96, 0.05) },
  head: { dtype: 'F64', shape: [32, 48], values: gaussian(32 * 48, 0.1) },
  embedding: { dtype: 'F32', shape: [256, 32], values: gaussian(256 * 32, 1) },
  half: { dtype: 'F16', shape: [48, 64], values: gaussian(48 * 64, 0.2) },
  brain: { dtype: 'BF16', shape: [48, 64], values: gaussian(48 * 64, 0.2) },
  bias: { dtype: 'F32', shape: [96], values: gaussian(96, 0.01) },
  step: { dtype: 'I64', shape: [1], values: [0] },
};
function train(step) {
  const next = {};
  for (const [name, t] of Object.entries(model)) next[name] = { ...t, values: Float64Array.from(t.values) };
  next.dense.values = next.dense.values.map((v) => v + normal() * 2e-4);
  // Updates on a coarse grid (multiples of 2^-12): their exact differences take few distinct values.
  next.head.values = next.head.values.map((v) => v + Math.round(normal() * 2) / 4096);
  for (let k = 0; k < 3; k++) {
    const row = Math.floor(uniform() * 256);
    for (let j = 0; j < 32; j++) next.embedding.values[row * 32 + j] += normal() * 0.1;
  }
  next.half.values = next.half.values.map((v) => v + normal() * 2e-3);
  next.brain.values = next.brain.values.map((v) => v + normal() * 2e-3);
  next.bias.values = next.bias.values.map((v) => v + normal() * 1e-4);
  next.step.values = [step];
  Object.assign(model, next);
  return safetensors(model);
}

const expected = { generatedAt: 'e176282', commits: [] };
const record = (rev, message, files, extra = {}) => expected.commits.push({ rev, message, files: { ...files }, ...extra });
const headHash = () => readFileSync(join(work, '.reef', 'refs', 'heads', currentBranch()), 'utf8').trim();
const currentBranch = () => readFileSync(join(work, '.reef', 'HEAD'), 'utf8').trim().replace('ref: refs/heads/', '');
const write = (name, bytes) => {
  writeFileSync(join(work, name), bytes);
  return sha256(bytes);
};

reef('init');
// 1: whole tensors, plus an .npy and an .npz written by numpy (fixtures/tiny-mlp*).
copyFileSync(join(root, 'fixtures', 'tiny-mlp.npz'), join(work, 'tiny-mlp.npz'));
copyFileSync(join(root, 'fixtures', 'tiny-mlp-fc0-weight.npy'), join(work, 'fc0.npy'));
const files1 = {
  'model.safetensors': write('model.safetensors', safetensors(model)),
  'tiny-mlp.npz': sha256(readFileSync(join(work, 'tiny-mlp.npz'))),
  'fc0.npy': sha256(readFileSync(join(work, 'fc0.npy'))),
};
reef('add', 'model.safetensors', 'tiny-mlp.npz', 'fc0.npy');
reef('commit', '-m', 'initial weights');
record(headHash(), 'initial weights', files1);

// 2, 3: lossless steps where deltas pay.
for (const step of [1, 2]) {
  const files = { ...files1, 'model.safetensors': write('model.safetensors', train(step)) };
  reef('add', 'model.safetensors');
  reef('commit', '-m', `step ${step}`);
  record(headHash(), `step ${step}`, files);
  Object.assign(files1, files);
}
reef('tag', 'v1');
const tagged = headHash();

// A branch with its own lossless step.
const mainModel = Object.fromEntries(Object.entries(model).map(([k, t]) => [k, { ...t, values: Float64Array.from(t.values) }]));
reef('branch', 'experiment');
reef('checkout', 'experiment');
const branchFiles = { ...files1, 'model.safetensors': write('model.safetensors', train(100)) };
reef('add', 'model.safetensors');
reef('commit', '-m', 'experiment step');
record(headHash(), 'experiment step', branchFiles, { branch: 'experiment' });
reef('checkout', 'main');
Object.assign(model, mainModel);

// 4: three fine-tuned variants of one layer added at once (stored whole), then clustered.
const base = gaussian(64 * 128, 0.05);
const variants = {};
for (const v of ['a', 'b', 'c', 'd']) {
  const bytes = safetensors({ layer: { dtype: 'F32', shape: [64, 128], values: base.map((x) => x + normal() * 1e-5) } });
  variants[`variant-${v}.safetensors`] = write(`variant-${v}.safetensors`, bytes);
}
reef('add', ...Object.keys(variants));
reef('commit', '-m', 'fine-tuned variants');
const clusterFiles = { ...files1, ...variants };
record(headHash(), 'fine-tuned variants', clusterFiles);
const clusterOut = reef('cluster', 'apply');
reef('gc');

// 5: a lossy commit; the added file is kept beside the repository to measure the bound against.
const lossySource = train(3);
writeFileSync(join(work, 'model.safetensors'), lossySource);
reef('add', 'model.safetensors');
reef('commit', '-m', 'lossy step', '--max-rel-error', '1e-3');
const lossyHash = headHash();
const exportedLossy = join(work, 'lossy-export.safetensors');
reef('export', lossyHash, '--format', 'safetensors', '--path', 'model.safetensors', '-o', exportedLossy);
record(lossyHash, 'lossy step', { ...clusterFiles, 'model.safetensors': sha256(readFileSync(exportedLossy)) }, {
  lossy: { maxRelError: 1e-3, path: 'model.safetensors', source: 'lossy-source.safetensors', sourceSha256: sha256(lossySource) },
});
rmSync(exportedLossy);

const fsck = reef('fsck');
const show = expected.commits.map((c) => reef('show', c.rev)).join('\n');

// Only .reef goes into the fixture (the working files are what the commits hold).
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(work, '.reef'), join(target, 'reef'), { recursive: true });
rmSync(join(target, 'reef', 'lock'), { force: true });
writeFileSync(join(target, 'lossy-source.safetensors'), lossySource);
expected.refs = { tag: { v1: tagged }, branches: { main: lossyHash, experiment: expected.commits.find((c) => c.branch)?.rev } };
writeFileSync(join(target, 'EXPECTED.json'), `${JSON.stringify(expected, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(show);
console.log(clusterOut);
console.log(fsck);
