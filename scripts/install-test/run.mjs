#!/usr/bin/env node
// Install test: packs every publishable package, serves the tarballs as the @reef scope of a
// loopback registry, and for each plugin, the store and both apps installs ONLY that package (plus
// @reef/core where a host needs it) with npm into a scratch project outside the workspace, then uses
// it there. A package that imports something its manifest does not declare fails here, as it would
// for a user. Also checks every tarball's contents. Needs built packages (`pnpm build`) and npm.
// Usage: node scripts/install-test/run.mjs [--only <package-name>] [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packedManifest, startScopedRegistry } from './registry.mjs';

const root = new URL('../..', import.meta.url).pathname;
const here = new URL('.', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const keep = args.includes('--keep');

const workspace = ['packages', 'plugins', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const work = mkdtempSync(join(tmpdir(), 'reef-install-test-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const failures = [];

// The registry answers from this process, so commands that talk to it must not block the event loop
// (spawnSync would deadlock npm install against it). Resolves to { status, stdout, stderr }; a command
// still running after `timeoutMs` is killed and reported, so CI never hangs here.
function run(command, argv, options, timeoutMs = 600_000) {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n${command} ${argv.join(' ')}: killed after ${timeoutMs / 1000} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

// 1. Pack, and check what each tarball carries.
for (const { dir, manifest } of workspace) {
  execFileSync('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', tarballs], { cwd: dir, stdio: 'ignore' });
  const file = readdirSync(tarballs).find((f) => f.startsWith(manifest.name.replace('@', '').replace('/', '-') + '-'));
  const listing = execFileSync('tar', ['-tzf', join(tarballs, file)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const problems = [];
  for (const required of ['package/LICENSE', 'package/README.md', 'package/package.json']) {
    if (!listing.includes(required)) problems.push(`no ${required.slice('package/'.length)}`);
  }
  const buildInfo = listing.filter((f) => f.endsWith('.tsbuildinfo'));
  if (buildInfo.length) problems.push(`build-info files: ${buildInfo.join(', ')}`);
  const maps = listing.filter((f) => f.endsWith('.map'));
  if (maps.length && !listing.some((f) => f.startsWith('package/src/'))) problems.push(`${maps.length} source maps pointing at sources not shipped`);
  const packed = packedManifest(join(tarballs, file));
  for (const field of ['license', 'repository', 'engines', 'sideEffects', 'files']) {
    if (packed[field] === undefined) problems.push(`package.json has no "${field}"`);
  }
  const unrewritten = Object.entries({ ...packed.dependencies, ...packed.peerDependencies }).filter(([, v]) => String(v).startsWith('workspace:'));
  if (unrewritten.length) problems.push(`workspace: ranges left in the tarball: ${unrewritten.map(([k]) => k).join(', ')}`);
  console.log(`${problems.length ? 'FAIL' : 'ok  '} tarball ${file} (${listing.length} files)${problems.length ? ': ' + problems.join('; ') : ''}`);
  if (problems.length) failures.push(`tarball ${manifest.name}: ${problems.join('; ')}`);
}

// 2. Install each package alone from the registry and use it.
const registry = await startScopedRegistry(tarballs);
const byName = new Map(workspace.map((w) => [w.manifest.name, w.manifest]));
const scenarios = [];
for (const { manifest } of workspace) {
  if (manifest.reef?.quantizers) scenarios.push({ name: manifest.name, install: ['@reef/core', manifest.name], run: ['quantizer.mjs', manifest.name] });
  if (manifest.reef?.deltaTypes) scenarios.push({ name: manifest.name, install: ['@reef/core', manifest.name], run: ['delta.mjs', manifest.name] });
}
const deltaPackages = [...byName.values()].filter((m) => m.reef?.deltaTypes).map((m) => m.name);
if (byName.has('@reef/store')) scenarios.push({ name: '@reef/store', install: ['@reef/core', '@reef/store', ...deltaPackages], run: ['store.mjs', ...deltaPackages] });
if (byName.has('@reef/cli')) scenarios.push({ name: '@reef/cli', install: ['@reef/cli'], bin: ['reef', 'plugins'], expect: /sq/ });
if (byName.has('@reef/sweep')) scenarios.push({ name: '@reef/sweep', install: ['@reef/sweep'], bin: ['reef-sweep', '--help'], expect: /--methods/ });

try {
  for (const scenario of scenarios.filter((s) => !only || s.name === only)) {
    const project = mkdtempSync(join(work, 'project-'));
    const dependencies = Object.fromEntries(scenario.install.map((n) => [n, byName.get(n).version]));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'reef-install-scratch', private: true, type: 'module', dependencies }, null, 2));
    writeFileSync(join(project, '.npmrc'), `@reef:registry=${registry.url}\n`);
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], { cwd: project });
    let outcome;
    if (install.status !== 0) {
      outcome = { ok: false, detail: `npm install failed: ${(install.stderr || install.stdout).trim().split('\n').slice(-3).join(' | ')}` };
    } else if (scenario.run) {
      copyFileSync(join(here, 'scenarios', scenario.run[0]), join(project, scenario.run[0]));
      const used = await run('node', scenario.run, { cwd: project });
      outcome = { ok: used.status === 0, detail: (used.status === 0 ? used.stdout : used.stderr || used.stdout).trim().split('\n').slice(-4).join(' | ') };
    } else {
      const used = await run('npx', ['--no-install', ...scenario.bin], { cwd: project });
      const ok = used.status === 0 && scenario.expect.test(used.stdout);
      outcome = { ok, detail: `npx ${scenario.bin.join(' ')}: exit ${used.status}${ok ? '' : ': ' + (used.stderr || used.stdout).trim().split('\n').slice(-3).join(' | ')}` };
    }
    console.log(`${outcome.ok ? 'ok  ' : 'FAIL'} install ${scenario.install.join(' + ')}: ${outcome.detail}`);
    if (!outcome.ok) failures.push(`install ${scenario.name}: ${outcome.detail}`);
  }
} finally {
  await registry.close();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
if (failures.length) {
  console.error(`install test: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log('install test: every package installs alone from its tarball and works');
