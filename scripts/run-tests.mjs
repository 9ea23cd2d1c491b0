#!/usr/bin/env node
// Runs every package's vitest suite through turbo (building what they need first), then the root
// scripts' own tests (scripts/test: the import check), then prints one closing line adding up all of
// them: "Tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const REPORT = '.vitest-report.json';
const root = new URL('..', import.meta.url).pathname;
// templates/ is not a workspace: its packages install @reef from a registry, and
// scripts/install-test/templates.mjs tests them that way.
const packageDirs = ['packages', 'plugins', 'apps'].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(root, group, name)) : [],
);
const scriptsDir = join(root, 'scripts');
const suiteDirs = [...packageDirs, scriptsDir];
for (const dir of suiteDirs) rmSync(join(dir, REPORT), { force: true });

// Defaults for every suite: a test may take minutes on a shared 2-core machine with other builds
// running (process starts, WASM compiles, quality runs), so only a hang should time out. A test's
// own explicit timeout still applies; keep those generous too.
const LOAD_TOLERANT = ['--testTimeout=300000', '--hookTimeout=300000'];

const turbo = spawnSync(
  'npx',
  ['turbo', 'run', 'test', '--concurrency=2', '--continue', '--', '--reporter=default', '--reporter=json', `--outputFile=${REPORT}`, ...LOAD_TOLERANT, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
// No workspace package holds the root scripts, so their tests run here (scripts/vitest.config.mjs).
const scriptTests = spawnSync(
  'npx',
  ['vitest', 'run', '--root', scriptsDir, '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile=${join(scriptsDir, REPORT)}`, ...LOAD_TOLERANT, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0, failed = 0, skipped = 0, suites = 0;
for (const dir of suiteDirs) {
  const file = join(dir, REPORT);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  suites++;
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
const code = (turbo.status ?? 1) || (scriptTests.status ?? 1);
if (code !== 0 && failed === 0) failed = 1; // a package crashed before reporting: never print a clean line
console.log(`\n${suites} test suites run (workspace packages and scripts/)`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
