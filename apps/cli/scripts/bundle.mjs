#!/usr/bin/env node
// Bundles what `reef` loads at start-up into dist/bundle/ (the package's bin): the CLI's own
// modules, commander, @reef/store, @reef/codecs and core's small stateless entries (errors,
// exit codes, tensor, params, services, delta), one file per lazily imported part. Loading ~90 small ES modules one by one cost a read-only command like
// `reef status` about as much as Node's own start-up; as one file it stays under 2× `node -e 0`
// (bench/cli-startup.mjs). Left out, and loaded from node_modules as usual: everything that finds
// files next to its own module (kernels' workers and WASM, h5wasm, datasets), plugins, and core's
// main entry, plugin discovery and Registry: the host's registry and the plugins it loads share the
// one @reef/core in node_modules. The bundled copies of core's small entries hold no state that
// must be shared: ReefError is recognised by name across copies, service tokens are Symbol.for.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  metafile: true,
  // The store writes a small add's pack from a worker thread; it finds the worker's module next to
  // its own code, so the bundle holds it as a second entry, beside the chunks.
  entryPoints: { reef: join(root, 'dist/bin.js'), 'pack-file-worker': fileURLToPath(new URL('./pack-file-worker.js', import.meta.resolve('@reef/store'))) },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  external: [
    '@reef/core/node',
    '@reef/core/registry',
    '@reef/kernels',
    '@reef/kernels/*',
    '@reef/hdf5',
    '@reef/datasets',
    '@reef/metrics',
    '@reef/quantizer-*',
    '@reef/delta-*',
    'h5wasm',
    'tsyringe',
    'reflect-metadata',
  ],
  // commander is CommonJS: its require() calls of Node built-ins need a real require in an ES module.
  banner: { js: "import { createRequire as reefCreateRequire } from 'node:module'; const require = reefCreateRequire(import.meta.url);" },
});

// Core's main entry would bring a second Registry and DI container: it must stay external.
const shared = Object.keys(metafile.inputs).filter((f) => /packages\/core\/dist\/(index|registry|node)\.js$|@reef\/core\/dist\/(index|registry|node)\.js$|tsyringe/.test(f));
if (shared.length > 0) throw new Error(`the bundle must not contain ${shared.join(', ')}: import the narrow @reef/core entry instead`);
