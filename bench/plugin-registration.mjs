#!/usr/bin/env node
// What registering the delta-type plugins costs a fresh process, as `reef add` pays it on every
// run: import @reef/core, then each of the four first-party delta plugins' built entries, and
// register them in a new Registry. Each round runs `node -e 0`, then per checkout a process that
// registers core alone and one that registers core + the four plugins, interleaved in that order;
// the first round warms the file cache and is not counted. Prints medians of the time measured
// inside the process (from before the first import to after the last register; Node's own
// start-up excluded) and of the process's wall time. The load average is printed before and after:
// compare only figures of one run.
//
//   npx -y pnpm@10 exec turbo run build --filter=@reef/cli...
//   node bench/plugin-registration.mjs [--rounds 15] [--compare <another checkout's root, built>]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('--rounds', 15));
if (!(Number.isInteger(rounds) && rounds >= 2)) throw new Error(`--rounds must be an integer ≥ 2, got ${arg('--rounds')}`);
const PLUGINS = ['delta-lossless', 'delta-cast', 'delta-quantized', 'delta-pq'];
const roots = [['this checkout', resolve(here, '..')]];
if (arg('--compare')) roots.push(['compared', resolve(arg('--compare'))]);

/** The child's script: import core and `plugins` (file URLs), register each, print the ms it took. */
function script(root, plugins) {
  const core = pathToFileURL(join(root, 'packages/core/dist/index.js')).href;
  const urls = plugins.map((p) => pathToFileURL(join(root, 'plugins', p, 'dist/index.js')).href);
  return `const t0 = performance.now();
const { Registry } = await import(${JSON.stringify(core)});
const registry = new Registry();
for (const url of ${JSON.stringify(urls)}) registry.use((await import(url)).default);
if (registry.deltaTypes().length === 0 && ${urls.length} > 0) throw new Error('nothing registered');
process.stdout.write(String(performance.now() - t0));`;
}

const runs = [{ name: 'node -e 0', argv: ['-e', '0'] }];
for (const [label, root] of roots) {
  for (const p of PLUGINS) if (!existsSync(join(root, 'plugins', p, 'dist/index.js'))) throw new Error(`${root}: plugins/${p} is not built`);
  runs.push({ name: `${label}: core only`, argv: ['--input-type=module', '-e', script(root, [])] });
  runs.push({ name: `${label}: core + 4 delta plugins`, argv: ['--input-type=module', '-e', script(root, PLUGINS)] });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`Node ${process.version}, ${cpus().length} CPUs, load average (1, 5, 15 min) at start: ${load()}`);
for (const [label, root] of roots) console.log(`${label}: ${root}`);
const times = new Map(runs.map(({ name }) => [name, { inside: [], wall: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const { name, argv } of runs) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    if (round === 0) continue;
    times.get(name).wall.push(wall);
    if (r.stdout) times.get(name).inside.push(Number(r.stdout));
  }
}
console.log(`${rounds - 1} counted rounds; medians (ms)`);
for (const { name } of runs) {
  const t = times.get(name);
  const inside = t.inside.length ? `import + register ${median(t.inside).toFixed(1).padStart(6)}` : ' '.repeat(24);
  console.log(`${name.padEnd(40)} ${inside}   process wall ${median(t.wall).toFixed(1).padStart(6)}`);
}
console.log(`load average at end: ${load()}`);
