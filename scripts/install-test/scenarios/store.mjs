// Run inside a scratch project that installed @reef/store, @reef/core and the delta types given in
// argv[2..]: commits two checkpoints of a small safetensors model through the library and checks
// both export byte for byte as they were added.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@reef/core';
import { Repository } from '@reef/store';

const registry = new Registry();
for (const name of process.argv.slice(2)) registry.use((await import(name)).default, name);

/** A one-tensor safetensors file: 8-byte header length, JSON header, raw float32 data. */
function safetensors(values) {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [values.length], data_offsets: [0, values.length * 4] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, Buffer.from(values.buffer)]);
}

const dir = mkdtempSync(join(tmpdir(), 'reef-install-store-'));
const repo = Repository.init(dir, { registry });
const epoch1 = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
const epoch2 = epoch1.map((x, i) => (i % 5 === 0 ? x + 1e-3 : x));
const files = [safetensors(epoch1), safetensors(epoch2)];
const commits = [];
for (const [i, bytes] of files.entries()) {
  writeFileSync(join(dir, 'model.safetensors'), bytes);
  await repo.add(['model.safetensors'], { cwd: dir });
  commits.push(repo.commit(`epoch ${i + 1}`).hash);
}
for (const [i, hash] of commits.entries()) {
  const { bytes } = await repo.export(hash.slice(0, 12), { format: 'safetensors' });
  if (!Buffer.from(bytes).equals(files[i])) throw new Error(`commit ${i + 1} did not export byte for byte`);
}
repo.close();
console.log(`@reef/store with ${process.argv.slice(2).join(', ')}: 2 commits, both exports byte-identical`);
