#!/usr/bin/env node
// Every stored object's encoding, raw and stored bytes after `add` + `commit` of a series, sorted,
// plus the totals: to compare the choices of two builds (diff the outputs).
//
//   node bench/store/objects.mjs [--series bench/store/out/checkpoints] [--build /path/to/other/checkout]
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { losslessRegistry } from './registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const series = resolve(arg('series', join(here, 'out', 'checkpoints')));
const build = resolve(arg('build', join(here, '..', '..')));
const { Repository } = await import(pathToFileURL(join(build, 'packages', 'store', 'dist', 'index.js')).href);

const registry = await losslessRegistry(build);
const dir = mkdtempSync(join(tmpdir(), 'reef-objects-'));
try {
  const repo = Repository.init(dir, { registry });
  for (const f of readdirSync(series).filter((x) => x.endsWith('.safetensors')).sort()) {
    copyFileSync(join(series, f), join(dir, 'model.safetensors'));
    await repo.add(['model.safetensors'], { cwd: dir });
    repo.commit(f);
  }
  const stats = repo.stats();
  console.log(`bytes on disk ${stats.bytesOnDisk}; by encoding ${JSON.stringify(stats.byEncoding)}`);
  for (const line of repo.objects.all().map((o) => `${o.encoding} raw ${o.rawBytes} stored ${o.storedBytes}`).sort()) console.log(line);
  repo.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
