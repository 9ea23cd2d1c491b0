// How scripts/test/docs-commands.test.mjs runs the documentation's commands: which few it does not
// run (each with its reason), the files a command expects the reader to have (written just before
// it), and where it runs. Every entry must match a command, so nothing here outlives the docs.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REGISTRY = 'needs the npm registry, where nothing is published from a checkout; scripts/install-test/templates.mjs (run by .ci/run) runs these very lines of docs/writing-a-plugin.md against the packed tarballs on a loopback registry';

/** Commands not run, with why: a run of the whole suite, an interactive prompt, long runs, the registry. */
export const SKIPPED = [
  { file: 'README.md', command: /^npx -y pnpm@10 install --frozen-lockfile && npx -y pnpm@10 test$/, reason: 'runs the whole test suite, this test included; .ci/run runs this very line' },
  { file: 'README.md', command: /^npx -y pnpm@10 test\b/, reason: 'runs the whole test suite, this test included; .ci/run runs it' },
  { file: 'README.md', command: /^npx -y pnpm@10 changeset\b/, reason: 'interactive: asks which packages changed; .ci/run runs scripts/check-changeset-semver.mjs instead' },
  { file: 'README.md', command: /--dataset \/usr\/share\/datasets\/fashion-mnist\/train-images-idx3-ubyte\.gz --methods all/, reason: "long run: every method's full defaultGrid on 60,000 images (tens of minutes)" },
  { file: 'apps/sweep/README.md', command: /--dataset data\/sift-128-euclidean\.hdf5/, reason: 'needs a 500 MB ann-benchmarks download, and hours' },
  { file: 'apps/cli/README.md', command: /^npm install @reef\/cli$/, reason: 'needs the npm registry; scripts/install-test/run.mjs (run by .ci/run) installs the CLI from its packed tarball and runs it' },
  { file: 'README.md', command: /^npx -y pnpm@10 typecheck\b/, reason: 'long run: tsc over every package and its tests (310 s measured here at load 30)' },
  { file: 'README.md', command: /^npx -y pnpm@10 lint\b/, reason: 'long run: eslint over every package (195 s measured here at load 30)' },
  ...[/^npm create reef-plugin@latest /, /^cd my-plugin$/, /^npm install$/, /^npm run build\b/, /^npm test\b/].map((command) => ({ file: 'docs/writing-a-plugin.md', command, reason: REGISTRY })),
  ...[/^npm create reef-plugin@latest /, /^cd my-plugin$/, /^npm install$/, /^npm test\b/].map((command) => ({ file: 'packages/create-reef-plugin/README.md', command, reason: REGISTRY })),
  { file: 'plugins/rq/README.md', command: /node bench\/rq\/run\.mjs/, reason: 'a benchmark, run by hand (60,000 vectors; minutes): never part of the tests' },
  { file: 'plugins/sq/README.md', command: /node bench\/sq\/run\.mjs/, reason: 'a benchmark, run by hand: never part of the tests' },
  { file: 'plugins/pq/README.md', command: /node bench\/quantizers\/search-interleaved\.mjs/, reason: 'a benchmark against FAISS on full Fashion-MNIST, run by hand: never part of the tests' },
  ...['plugins/pq/README.md', 'plugins/opq/README.md'].map((file) => ({ file, command: /^node bench\/readme-tables\.mjs o?pq-adc-fmnist\b/, reason: 'reruns the 8-bit ADC benchmark against FAISS on full Fashion-MNIST and rewrites the README table (15–30 minutes): run by hand, never part of the tests' })),
  { file: 'README.md', command: /^npx -y pnpm@10 playground\b/, reason: 'serves the page until stopped (Ctrl-C); apps/playground/test/playground.browser.test.ts builds the same site and drives it in Chromium' },
  { file: 'packages/store/README.md', command: /node bench\/store\/crash\.mjs/, reason: 'a benchmark, run by hand (200 SIGKILLs, minutes of CPU): never part of the tests; packages/store/test/crash.test.ts runs kills in the suite' },
];

/** A commit's worth of weights: epoch k of a small run (a base plus k small steps), as a training script writes. */
async function writeEpoch(path, k) {
  const { writeSafetensors } = await import(new URL('../../packages/store/dist/index.js', import.meta.url).href);
  const n = 48_000;
  let s = 7;
  const w = Float32Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    return 0.05 * (s / 2 ** 32 - 0.5) + 1e-4 * k * Math.sin(i + k);
  });
  const bias = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i * (k + 1)));
  writeFileSync(path, writeSafetensors([
    { name: 'fc1.weight', tensor: { dtype: 'f32', shape: [400, 120], data: new Uint8Array(w.buffer) } },
    { name: 'fc1.bias', tensor: { dtype: 'f32', shape: [16], data: new Uint8Array(bias.buffer) } },
  ]));
}

/** A third-party quantizer plugin folder (the sweep's fixture: plain ESM, no dependencies), optionally renamed. */
function copyPlugin(root, to, { name, id } = {}) {
  cpSync(join(root, 'apps/sweep/test/fixtures/toy-plugin'), to, { recursive: true });
  if (!id) return;
  const manifest = JSON.parse(readFileSync(join(to, 'package.json'), 'utf8'));
  writeFileSync(join(to, 'package.json'), JSON.stringify({ ...manifest, name, reef: { ...manifest.reef, quantizers: [id] } }, null, 2));
  writeFileSync(join(to, 'index.js'), readFileSync(join(to, 'index.js'), 'utf8').replace("id: 'toy'", `id: '${id}'`));
}

/** The ```yaml block of a markdown file (the sweep's example config). */
function yamlBlock(markdown) {
  const m = /```yaml\n([\s\S]*?)```/.exec(markdown);
  if (!m) throw new Error('no ```yaml block');
  return m[1];
}

/**
 * What the reader has before a command: { file, command, setup(cwd, { root, epoch }) }, run just
 * before each command it matches. `epoch()` counts up, so each `reef add` sees new weights.
 */
export const SETUPS = [
  { file: 'README.md', command: /reef add model\.safetensors|reef commit -m .* model\.safetensors/, setup: (cwd, c) => writeEpoch(join(cwd, 'model.safetensors'), c.epoch()) },
  { file: 'README.md', command: /my-ann-benchmarks-file\.hdf5/, setup: (cwd, c) => cpSync(join(c.root, 'fixtures/gauss-500-16-euclidean.hdf5'), join(cwd, 'my-ann-benchmarks-file.hdf5')) },
  { file: 'README.md', command: /--plugin \.\/my-plugin-folder/, setup: (cwd, c) => copyPlugin(c.root, join(cwd, 'my-plugin-folder')) },
  { file: 'apps/cli/README.md', command: /reef add model\.safetensors/, setup: (cwd, c) => writeEpoch(join(cwd, 'model.safetensors'), c.epoch()) },
  { file: 'apps/sweep/README.md', command: /--config sweep\.yaml/, setup: (cwd, c) => writeFileSync(join(cwd, 'sweep.yaml'), yamlBlock(readFileSync(join(c.root, 'apps/sweep/README.md'), 'utf8'))) },
  { file: 'apps/sweep/README.md', command: /--plugin \.\/my-quantizer/, setup: (cwd, c) => copyPlugin(c.root, join(cwd, 'my-quantizer')) },
  {
    file: 'docs/writing-a-plugin.md',
    command: /--plugin \.\/path\/to\/reef-quantizer-mine/,
    setup: (cwd, c) => copyPlugin(c.root, join(cwd, 'path/to/reef-quantizer-mine'), { name: 'reef-quantizer-mine', id: 'mine' }),
  },
  {
    file: 'docs/writing-a-plugin.md',
    command: /--plugin reef-quantizer-mine /,
    setup: (cwd, c) => {
      // "a package installed in your project": the plugin in the reader's node_modules.
      mkdirSync(join(cwd, 'node_modules'), { recursive: true });
      copyPlugin(c.root, join(cwd, 'node_modules/reef-quantizer-mine'), { name: 'reef-quantizer-mine', id: 'mine' });
    },
  },
];

/**
 * Documentation files whose commands continue in another file's folder, as a reader of both does:
 * the sweep's README repeats the root README's sweeps, which then resume instead of running again.
 */
export const SAME_FOLDER_AS = { 'apps/sweep/README.md': 'README.md' };

/**
 * Where a command runs: in the repository root when it names a path inside the checkout (`./apps/…`,
 * `bench/…`), as a reader does after `git clone`; otherwise in the reader's own folder (a fresh one
 * per documentation file, inside the checkout so that `npx -y pnpm@10 <script>` finds the workspace).
 */
export function runsInRepositoryRoot(command) {
  return /(^|\s)(\.\/)?(apps|bench|scripts|packages|plugins)\//.test(command);
}
