#!/usr/bin/env node
// Bytes a cast copy adds (@reef/delta-cast's `cast` and `widen`), as `reef stats` counts them (the
// stored bytes of new objects): a smooth synthetic f32 model of two 256×512 layers and its bf16/f16
// copies (by IEEE round to nearest even), in both orders, and the tiny-mlp fixtures. Every add goes
// into a fresh repository in /tmp. Figures in packages/store/README.md.
//
//   npx -y pnpm@10 exec turbo run build --filter=@reef/store... --filter=@reef/delta-cast...
//   node bench/store/casts.mjs
import { Registry } from '../../packages/core/dist/index.js';
import { float64ToTensor } from '../../packages/core/dist/dtype-float.js';
import deltaCast from '../../plugins/delta-cast/dist/index.js';
import deltaLossless from '../../plugins/delta-lossless/dist/index.js';
import { Repository, writeSafetensors } from '../../packages/store/dist/index.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const layer = (n, seed) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.0137 + seed) * 0.05 + Math.cos(i * 1.91) * 1e-3);
const model = [
  { name: 'l0.weight', tensor: float64ToTensor(layer(256 * 512, 1), 'f32', [256, 512]) },
  { name: 'l0.bias', tensor: float64ToTensor(layer(256, 2), 'f32', [256]) },
  { name: 'l1.weight', tensor: float64ToTensor(layer(512 * 256, 3), 'f32', [512, 256]) },
  { name: 'l1.bias', tensor: float64ToTensor(layer(512, 4), 'f32', [512]) },
];
const cast = (m, dtype) => m.map(({ name, tensor }) => ({ name, tensor: float64ToTensor(Float64Array.from(new Float32Array(tensor.data.buffer.slice(0))), dtype, tensor.shape) }));
const dirs = [];
process.on('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function repo(withCast = true) {
  const dir = mkdtempSync(join(tmpdir(), 'reef-casts-'));
  dirs.push(dir);
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  if (withCast) registry.use(deltaCast, '@reef/delta-cast');
  return { dir, repo: Repository.init(dir, { registry }) };
}
async function commit(r, name, bytes) {
  writeFileSync(join(r.dir, name), bytes);
  const [a] = await r.repo.add([join(r.dir, name)]);
  r.repo.commit(name);
  return a;
}
const show = (label, a) => console.log(`${label.padEnd(34)} raw ${a.bytes} B, stored ${a.storedBytes} B (${((100 * a.storedBytes) / a.bytes).toFixed(2)}%) ${JSON.stringify(a.encodings)}`);
{
  const r = repo();
  show('synthetic f32', await commit(r, 'f32.safetensors', writeSafetensors(model)));
  show('synthetic bf16 after f32', await commit(r, 'bf16.safetensors', writeSafetensors(cast(model, 'bf16'))));
  show('synthetic f16 after f32', await commit(r, 'f16.safetensors', writeSafetensors(cast(model, 'f16'))));
}
{
  const r = repo();
  show('synthetic bf16 first', await commit(r, 'bf16.safetensors', writeSafetensors(cast(model, 'bf16'))));
  show('synthetic f32 after bf16 (widen)', await commit(r, 'f32.safetensors', writeSafetensors(model)));
}
{
  const r = repo(false);
  show('synthetic f32 alone (no delta-cast)', await commit(r, 'f32.safetensors', writeSafetensors(model)));
}
const F = fileURLToPath(new URL('../../fixtures', import.meta.url));
for (const order of [['f32', 'bf16', 'f16'], ['bf16', 'f32'], ['f16', 'f32']]) {
  const r = repo();
  for (const d of order) show(`tiny-mlp ${d} (${order.join(' → ')})`, await commit(r, `tiny-${d}.safetensors`, readFileSync(join(F, `tiny-mlp-${d}.safetensors`))));
}
