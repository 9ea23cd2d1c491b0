#!/usr/bin/env node
/**
 * `pnpm sweep` / `pnpm demo` build step: builds a package and what it depends on with turbo, and
 * says so instead of staying silent for minutes. A first run (no dist yet) announces how many
 * packages it builds; each package that turbo actually compiles (a cache miss) gets a line, so
 * later runs with nothing to build print nothing. Errors are shown as turbo shows them.
 *
 * Usage: node scripts/build-for.mjs <package>[,<package>…] <dist file that proves it was built>
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [pkg, builtFile] = process.argv.slice(2);
if (!pkg || !builtFile) {
  console.error('usage: node scripts/build-for.mjs <package> <dist file>');
  process.exit(2);
}
// turbo's own binary from the root devDependencies (not npx: it does not find pnpm).
const turbo = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'turbo.cmd' : 'turbo');
// Several packages, comma-separated: the sweep also builds the baseline plugins it discovers.
const filters = pkg.split(',').map((name) => `--filter=${name}...`);
const say = (line) => process.stderr.write(`${line}\n`);

if (!existsSync(join(root, builtFile))) {
  // First run: how many packages, from turbo's own plan (a dry run takes a second or two).
  const dry = spawnSync(turbo, ['run', 'build', ...filters, '--dry=json'], { cwd: root, encoding: 'utf8' });
  let count = '';
  try {
    count = ` ${JSON.parse(dry.stdout).tasks.length}`;
  } catch {
    // the count is a courtesy; the build below reports its own failures
  }
  say(`building${count} packages for ${pkg}, first run only (a few minutes on 2 cores; later runs reuse the build)`);
}

const started = Date.now();
let compiled = 0;
const child = spawn(turbo, ['run', 'build', ...filters, '--output-logs=hash-only'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let pending = '';
let log = '';
child.stdout.on('data', (chunk) => {
  log += chunk;
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    // e.g. "@reef/core:build: cache miss, executing 1a2b3c4d"
    const m = /^(\S+):build: cache miss, executing/.exec(line.replace(/\x1b\[[0-9;]*m/g, '').trim());
    if (m) {
      compiled++;
      say(`  building ${m[1]}`);
    }
  }
});
child.stderr.on('data', (chunk) => (log += chunk));
child.on('close', (code) => {
  if (code !== 0) {
    process.stderr.write(log);
    say(`build failed (turbo exit code ${code})`);
    process.exit(code ?? 1);
  }
  if (compiled > 0) say(`built ${compiled} package(s) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
