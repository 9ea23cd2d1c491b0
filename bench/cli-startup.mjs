#!/usr/bin/env node
// Start-up of `reef` commands against bare Node, in one run on one machine: each round runs
// `node -e 0` and every command once, in that order, in a small repository (the tiny-mlp fixture
// committed, a tag, a branch); the first round warms the file cache and is not counted. Prints the
// median wall time of each and its ratio to `node -e 0` (issue target for status and log: ≤ 2×).
//
//   npx -y pnpm@10 exec turbo run build --filter=@reef/cli...
//   node bench/cli-startup.mjs [--rounds 21]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../apps/cli/dist/bin.js');
const i = process.argv.indexOf('--rounds');
const rounds = Number(i >= 0 ? process.argv[i + 1] : 21);
if (!(Number.isInteger(rounds) && rounds >= 2)) throw new Error(`--rounds must be an integer ≥ 2, got ${process.argv[i + 1]}`);

const dir = mkdtempSync(join(tmpdir(), 'reef-cli-startup-'));
function reef(...args) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reef ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}
try {
  reef('init');
  copyFileSync(resolve(here, '../fixtures/tiny-mlp-f32.safetensors'), join(dir, 'model.safetensors'));
  reef('add', 'model.safetensors');
  reef('commit', '-m', 'base');
  reef('tag', 'v1');
  reef('branch', 'side');

  const runs = [
    ['node -e 0', ['-e', '0']],
    ['reef status', [bin, 'status']],
    ['reef log', [bin, 'log']],
    ['reef show', [bin, 'show']],
    ['reef branch', [bin, 'branch']],
    ['reef tag', [bin, 'tag']],
    ['reef --version', [bin, '--version']],
  ];
  const times = new Map(runs.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, args] of runs) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
      if (round > 0) times.get(name).push(ms);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const base = median(times.get('node -e 0'));
  console.log(`${rounds - 1} counted rounds, Node ${process.version}; median wall ms and ratio to node -e 0`);
  for (const [name] of runs) {
    const m = median(times.get(name));
    console.log(`${name.padEnd(16)} ${m.toFixed(1).padStart(8)} ms  ${(m / base).toFixed(2)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
