#!/usr/bin/env node
// Writes fixtures/store-repo-v2: a small repository in the layout the store wrote before pack
// manifest format 2 (every object in the pack's HDF5 file, manifests listing `rawBytes`, cast payloads
// as HDF5 groups), so that packages/store/test/fixture-repo-v2.test.ts can prove later code still
// reads it. Run once, at commit fe69e15, after `turbo run build --filter=@reef/store... --filter=@reef/delta-cast...`:
//
//   node scripts/make-store-fixture-v2.mjs
//
// Re-running it with newer code writes the newer layout, which proves nothing: keep the committed fixture.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from '../packages/core/dist/index.js';
import deltaCast from '../plugins/delta-cast/dist/index.js';
import deltaLossless from '../plugins/delta-lossless/dist/index.js';
import { Repository } from '../packages/store/dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'fixtures', 'store-repo-v2');
const work = mkdtempSync(join(tmpdir(), 'reef-fixture-v2-'));
const registry = new Registry();
registry.use(deltaLossless, '@reef/delta-lossless');
registry.use(deltaCast, '@reef/delta-cast');
const repo = Repository.init(work, { registry });
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// The tiny MLP in f32, then its bf16 and f16 casts (cast objects against the f32 tensors), then
// the f64 copy's f32 cast under a second path: whole tensors, casts and a two-file tree.
const steps = [
  { file: 'tiny-mlp-f32.safetensors', path: 'model.safetensors' },
  { file: 'tiny-mlp-bf16.safetensors', path: 'model.safetensors' },
  { file: 'tiny-mlp-f16.safetensors', path: 'model.safetensors' },
  { file: 'tiny-mlp-f64.safetensors', path: 'wide/model-f64.safetensors' },
];
const commits = [];
const tree = {};
for (const step of steps) {
  const bytes = readFileSync(join(root, 'fixtures', step.file));
  mkdirSync(join(work, dirname(step.path)), { recursive: true });
  cpSync(join(root, 'fixtures', step.file), join(work, step.path));
  await repo.add([step.path], { cwd: work });
  const c = repo.commit(`${step.file} as ${step.path}`);
  tree[step.path] = sha256(bytes);
  commits.push({ hash: c.hash, message: c.message, files: { ...tree } });
}
repo.createTag('casts', commits[2].hash);
repo.close();
rmSync(target, { recursive: true, force: true });
cpSync(join(work, '.reef'), join(target, 'reef'), { recursive: true });
rmSync(join(target, 'reef', 'lock'), { force: true });
writeFileSync(join(target, 'EXPECTED.json'), `${JSON.stringify({ commits }, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(`wrote ${target}: ${commits.length} commits`);
