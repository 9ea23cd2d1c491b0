#!/usr/bin/env node
// Builds the playground into dist/: index.html, style.css, app.js (the page, with the worker's bundle
// inside it as text) and fmnist-2k.js (the bundled dataset). Every file is a classic script or a
// blob, so the site works from file:// as well as from any static server, offline.
//
// The quantizers are found as the CLI finds them (`findPluginPackages` of @reef/core/node on this
// package's dependencies) and handed to the app as the virtual module `virtual:reef-playground/plugins`:
// the app's code names no method.
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { findPluginPackages } from '@reef/core/node';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(app, 'dist');
const require = createRequire(join(app, 'package.json'));

const quantizerPackages = findPluginPackages([app]).filter((p) => (p.manifest.quantizers ?? []).length > 0);
if (quantizerPackages.length === 0) throw new Error('playground build: no quantizer plugin among the dependencies of apps/playground');
const pluginsModule = [
  ...quantizerPackages.map((p, i) => `import * as m${i} from ${JSON.stringify(join(p.dir, p.manifest.plugin))};`),
  'const pick = (m) => m.reefPlugin ?? m.default;',
  `export const pluginModules = [${quantizerPackages.map((p, i) => `{ packageName: ${JSON.stringify(p.packageName)}, module: pick(m${i}) }`).join(', ')}];`,
].join('\n');

/** esbuild plugin serving the build's virtual modules. */
const virtualModules = (modules) => ({
  name: 'reef-playground-virtual',
  setup(b) {
    b.onResolve({ filter: /^virtual:reef-playground\// }, (args) => ({ path: args.path, namespace: 'reef-playground' }));
    b.onLoad({ filter: /.*/, namespace: 'reef-playground' }, (args) => ({ contents: modules[args.path], resolveDir: app, loader: 'js' }));
  },
});

// A classic script has no import.meta. Each module gets its own URL instead (its path in the repository
// under a made-up root, no machine's folders): compute tasks are named by `new URL('./x.js',
// import.meta.url)`, and a WebWorkerPool's workers, which run this same bundle, find each task's
// handler by that name (`computeTask` in @reef/core), so the names must be distinct and equal in both.
const repoRoot = join(app, '..', '..');
const moduleUrls = {
  name: 'reef-playground-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const url = `file:///reef-playground/${relative(realpathSync(repoRoot), args.path).split(sep).join('/')}`;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(url)), loader: 'js' };
    });
  },
};
const common = { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, legalComments: 'none', write: false, logLevel: 'warning' };

const worker = await build({ ...common, entryPoints: [join(app, 'src/worker.ts')], plugins: [moduleUrls, virtualModules({ 'virtual:reef-playground/plugins': pluginsModule })] });
const workerSource = worker.outputFiles[0].text;
const poolWorker = await build({ ...common, entryPoints: [join(app, 'src/pool-worker.ts')], plugins: [moduleUrls, virtualModules({ 'virtual:reef-playground/plugins': pluginsModule })] });
const poolWorkerSource = poolWorker.outputFiles[0].text;
const page = await build({
  ...common,
  entryPoints: [join(app, 'src/main.ts')],
  plugins: [moduleUrls, virtualModules({ 'virtual:reef-playground/plugins': pluginsModule, 'virtual:reef-playground/worker-source': `export default ${JSON.stringify(workerSource)};\nexport const poolWorkerSource = ${JSON.stringify(poolWorkerSource)};` })],
});

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'app.js'), page.outputFiles[0].contents);
copyFileSync(join(app, 'src/index.html'), join(out, 'index.html'));
copyFileSync(join(app, 'src/style.css'), join(out, 'style.css'));
const fmnist = readFileSync(join(dirname(require.resolve('@reef/datasets/package.json')), 'data', 'fmnist-2k-784-euclidean.hdf5'));
writeFileSync(join(out, 'fmnist-2k.js'), `window.reefBundledDataset = "${fmnist.toString('base64')}";\n`);

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
console.log(`playground: ${quantizerPackages.map((p) => p.packageName).join(', ')}`);
console.log(`playground: dist/app.js ${mb(page.outputFiles[0].contents.length)} (run worker ${mb(workerSource.length)}, h5wasm's wasm included; pool worker ${mb(poolWorkerSource.length)}), dist/fmnist-2k.js ${mb(fmnist.length * 4 / 3)}`);
