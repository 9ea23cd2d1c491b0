#!/usr/bin/env node
// Start-up of `reef` commands against bare Node, in one run on one machine. Each round runs
// `node -e 0` and every command once, interleaved in that order, in a small repository (the
// tiny-mlp fixture committed, a tag, a branch); the first round warms the file cache and is not
// counted. Prints, per command, the median wall time and its ratio to `node -e 0` (issue 19's
// target for the read-only commands: ≤ 2×), and the median CPU time (user + system, from
// /usr/bin/time where it exists: steadier than wall time on a shared machine). Then the wall time
// of `reef add` + `reef commit` of a 2 MB checkpoint (two processes, as a user runs them; target
// ≤ 0.5 s on an idle machine), each round a new "epoch" of the same tensors. The load average is
// printed before and after: compare only figures of one run.
//
//   npx -y pnpm@10 exec turbo run build --filter=@reef/cli...
//   node bench/cli-startup.mjs [--rounds 21] [--bin apps/cli/dist/bundle/reef.js] [--compare <other reef bin.js>]
//
// --compare runs a second build (e.g. another checkout's apps/cli/dist/bin.js) in the same rounds,
// interleaved with this one, so before/after figures share the machine's load.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('--rounds', 21));
if (!(Number.isInteger(rounds) && rounds >= 2)) throw new Error(`--rounds must be an integer ≥ 2, got ${arg('--rounds')}`);
const bins = [['reef', resolve(arg('--bin', resolve(here, '../apps/cli/dist/bundle/reef.js')))]];
if (arg('--compare')) bins.push(['compared', resolve(arg('--compare'))]);
for (const [, bin] of bins) if (!existsSync(bin)) throw new Error(`${bin} does not exist: build the CLI first`);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs a command; wall ms always, CPU ms (user + sys) when /usr/bin/time is there. */
function timed(argv, cwd) {
  const command = TIME ? [TIME, ['-f', '\n%U %S', process.execPath, ...argv]] : [process.execPath, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command[0], command[1], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpu = TIME ? r.stderr.trim().split('\n').at(-1).split(' ').reduce((s, x) => s + Number(x) * 1000, 0) : NaN;
  return { wall, cpu };
}

/** A safetensors file of f32 tensors (seeded values): 2.1 MB (2.0 MiB) in four tensors. */
function checkpoint(path, epoch) {
  const shapes = [['conv.weight', [256, 1024]], ['fc1.weight', [256, 512]], ['fc2.weight', [256, 512]], ['fc2.bias', [256]]];
  let s = 12345;
  const header = {};
  const parts = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      // The same weights every epoch plus a small epoch-dependent step, as training makes them.
      data[i] = (s / 2 ** 32 - 0.5) * 0.1 + epoch * 1e-4 * Math.sin(i + epoch);
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    parts.push(Buffer.from(data.buffer));
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), ...parts]));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

const dirs = bins.map(() => mkdtempSync(join(tmpdir(), 'reef-cli-startup-')));
try {
  console.log(`Node ${process.version}, ${cpus().length} CPUs, load average (1, 5, 15 min) at start: ${load()}`);
  bins.forEach(([, bin], b) => {
    const dir = dirs[b];
    timed([bin, 'init'], dir);
    copyFileSync(resolve(here, '../fixtures/tiny-mlp-f32.safetensors'), join(dir, 'model.safetensors'));
    timed([bin, 'add', 'model.safetensors'], dir);
    timed([bin, 'commit', '-m', 'base'], dir);
    timed([bin, 'tag', 'v1'], dir);
    timed([bin, 'branch', 'side'], dir);
  });
  const commands = [['status'], ['log'], ['show'], ['branch'], ['tag'], ['--version']];
  const runs = [['node -e 0', ['-e', '0'], 0]];
  for (const [label, bin] of bins) for (const c of commands) runs.push([`${label} ${c.join(' ')}`, [bin, ...c], bins.findIndex(([, b]) => b === bin)]);
  const times = new Map(runs.map(([name]) => [name, { wall: [], cpu: [] }]));
  const addCommit = new Map(bins.map(([label]) => [label, []]));
  const failed = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const [name, argv, b] of runs) {
      const t = timed(argv, dirs[b]);
      if (round > 0) {
        times.get(name).wall.push(t.wall);
        times.get(name).cpu.push(t.cpu);
      }
    }
    bins.forEach(([label, bin], b) => {
      if (failed.has(label)) return;
      checkpoint(join(dirs[b], 'ckpt.safetensors'), round);
      try {
        const add = timed([bin, 'add', 'ckpt.safetensors'], dirs[b]);
        const commit = timed([bin, 'commit', '-m', `epoch ${round}`], dirs[b]);
        if (round > 0) addCommit.get(label).push({ wall: add.wall + commit.wall, cpu: add.cpu + commit.cpu });
      } catch (err) {
        failed.set(label, `round ${round}: ${err.message.split('\n')[0]}`); // reported, not timed
      }
    });
  }
  const base = { wall: median(times.get('node -e 0').wall), cpu: median(times.get('node -e 0').cpu) };
  console.log(`${rounds - 1} counted rounds; median wall ms and ratio to node -e 0${TIME ? ', median CPU ms (user + sys) and ratio' : ''}`);
  for (const [name] of runs) {
    const t = times.get(name);
    const wall = median(t.wall);
    const cpu = median(t.cpu);
    const cpuText = TIME ? `   cpu ${cpu.toFixed(0).padStart(5)} ms  ${(cpu / base.cpu).toFixed(2)}x` : '';
    console.log(`${name.padEnd(22)} wall ${wall.toFixed(1).padStart(7)} ms  ${(wall / base.wall).toFixed(2)}x${cpuText}`);
  }
  for (const [label, xs] of addCommit) {
    if (failed.has(label)) console.log(`${label} add + commit failed (${failed.get(label)}); ${xs.length} round(s) timed before`);
    if (xs.length === 0) continue;
    const walls = xs.map((x) => x.wall);
    const cpuText = TIME ? `, median CPU ${median(xs.map((x) => x.cpu)).toFixed(0)} ms` : '';
    console.log(`${label} add + commit of a 2.1 MB checkpoint (two processes): median wall ${median(walls).toFixed(0)} ms (min ${Math.min(...walls).toFixed(0)}, max ${Math.max(...walls).toFixed(0)})${cpuText}`);
  }
  console.log(`load average at end: ${load()}`);
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
