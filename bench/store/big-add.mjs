#!/usr/bin/env node
// Add throughput of one large file through the CLI, as a user runs it (issue 19's target: a 1 GB
// file at ≥ 100 MB/s on an idle machine). Writes a safetensors file of 16 f32 tensors 4096×4096
// (1.07 GB) of uniform values in ±0.025 into a temporary folder: `--data noise` (default) from a
// 32-bit LCG (Math.imul: low mantissa bytes incompressible, the hard case), or `--data periodic`,
// the LCG computed in doubles as bench/cli-startup.mjs does (its product passes 2^53, so the
// sequence falls into a short cycle and the tensors repeat: deflate stores the file in a few MB;
// issue 19's 17 MB/s figure was measured on such a file). Then per round it runs `reef init` +
// `reef add` in a fresh repository (in the file's folder) with each build given, interleaved
// (A, B, A, B), and prints per build the median wall and CPU time (user + system of the process
// and all its threads, from /usr/bin/time), MB/s (10^6 bytes of the file per second) on both, the
// max RSS, what `add` printed, and the load average before and after. Everything is removed at the end.
//
//   npx -y pnpm@10 exec turbo run build --filter=@reef/cli...
//   node bench/store/throughput.mjs --big [--rounds 2] [--tensors 16] [--data noise|periodic] [--bin apps/cli/dist/bundle/reef.js] [--compare <other reef.js>]
//
// --compare: another build's bin (e.g. a checkout of main: /path/apps/cli/dist/bundle/reef.js),
// run in the same rounds so both share the machine's load. On a shared machine compare CPU MB/s;
// wall MB/s needs an idle one.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('--rounds', 2));
const tensors = Number(arg('--tensors', 16));
const periodic = arg('--data', 'noise') === 'periodic';
if (!['noise', 'periodic'].includes(arg('--data', 'noise'))) throw new Error(`--data must be noise or periodic, got ${arg('--data')}`);
if (!(Number.isInteger(rounds) && rounds >= 1) || !(Number.isInteger(tensors) && tensors >= 1)) throw new Error('--rounds and --tensors must be positive integers');
const bins = [['reef', resolve(arg('--bin', resolve(here, '../../apps/cli/dist/bundle/reef.js')))]];
if (arg('--compare')) bins.push(['compared', resolve(arg('--compare'))]);
for (const [, bin] of bins) if (!existsSync(bin)) throw new Error(`${bin} does not exist: build the CLI first`);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The file: `tensors` f32 tensors 4096×4096, written tensor by tensor (memory: one tensor). */
function writeBigFile(path) {
  const side = 4096;
  const n = side * side;
  const header = {};
  for (let t = 0; t < tensors; t++) header[`layer${t}.weight`] = { dtype: 'F32', shape: [side, side], data_offsets: [t * n * 4, (t + 1) * n * 4] };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json));
    const data = new Float32Array(n);
    let s = 1;
    for (let t = 0; t < tensors; t++) {
      for (let i = 0; i < n; i++) {
        s = periodic ? (s * 1103515245 + 12345) >>> 0 : (Math.imul(s, 1103515245) + 12345) >>> 0;
        data[i] = (s / 2 ** 32 - 0.5) * 0.05;
      }
      writeSync(fd, new Uint8Array(data.buffer));
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs node with `argv` in `cwd`: wall ms, CPU ms and max RSS (KiB) when /usr/bin/time is there, stdout. */
function timed(argv, cwd) {
  const command = TIME ? [TIME, ['-f', '\n%U %S %M', process.execPath, ...argv]] : [process.execPath, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command[0], command[1], { cwd, encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [user, sys, rss] = TIME ? r.stderr.trim().split('\n').at(-1).split(' ').map(Number) : [NaN, NaN, NaN];
  return { wall, cpu: (user + sys) * 1000, rss, stdout: r.stdout.trim() };
}

const scratch = mkdtempSync(join(tmpdir(), 'reef-big-add-'));
try {
  const file = join(scratch, 'model.safetensors');
  console.log(`Node ${process.version}, ${cpus().length} CPUs; writing ${tensors} f32 tensors 4096x4096 (${periodic ? 'periodic' : 'noise'}) ...`);
  writeBigFile(file);
  const bytes = statSync(file).size;
  console.log(`${(bytes / 1e9).toFixed(2)} GB file; load average (1, 5, 15 min) before: ${load()}`);
  const results = new Map(bins.map(([label]) => [label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [label, bin] of bins) {
      // A fresh repository in the file's folder each time.
      rmSync(join(scratch, '.reef'), { recursive: true, force: true });
      timed([bin, 'init'], scratch);
      const r = timed([bin, 'add', 'model.safetensors'], scratch);
      results.get(label).push(r);
      console.log(`  round ${round + 1} ${label}: ${(r.wall / 1000).toFixed(2)} s wall, ${(r.cpu / 1000).toFixed(2)} s CPU, ${(bytes / 1e3 / r.wall).toFixed(1)} MB/s wall (load ${load()})`);
    }
  }
  console.log(`median of ${rounds} round(s), MB = 10^6 bytes of the file:`);
  for (const [label, rs] of results) {
    const wall = median(rs.map((r) => r.wall));
    const cpu = median(rs.map((r) => r.cpu));
    console.log(`${label.padEnd(9)} add: ${(wall / 1000).toFixed(2)} s wall = ${(bytes / 1e3 / wall).toFixed(1)} MB/s; ${(cpu / 1000).toFixed(2)} s CPU = ${(bytes / 1e3 / cpu).toFixed(1)} MB/s per CPU second; max RSS ${(Math.max(...rs.map((r) => r.rss)) / 1024).toFixed(0)} MiB`);
    console.log(`          it printed: ${rs.at(-1).stdout.split('\n').join(' | ')}`);
  }
  console.log(`load average after: ${load()}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
