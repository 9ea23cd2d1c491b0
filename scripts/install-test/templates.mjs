#!/usr/bin/env node
// CI for the plugin templates, run as a plugin author runs them: packs the @reef packages the
// templates need and create-reef-plugin, serves them on a loopback registry, and for each kind runs
// the "Start a plugin" commands of docs/writing-a-plugin.md, line by line, in a temp folder outside
// the workspace: `npm create reef-plugin@latest` (the scaffolder from its tarball), `npm install`
// (@reef from the tarballs, everything else from npm), `npm run build`, `npm test`. Running the
// guide's own lines is what keeps the guide true. Needs built packages (`pnpm build`) and npm.
// Usage: node scripts/install-test/templates.mjs [--kind quantizer|delta-lossless|delta-lossy] [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startScopedRegistry } from './registry.mjs';

const root = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const onlyKind = args.includes('--kind') ? args[args.indexOf('--kind') + 1] : undefined;
const keep = args.includes('--keep');
const KINDS = ['quantizer', 'delta-lossless', 'delta-lossy'];
const GUIDE = join(root, 'docs/writing-a-plugin.md');
const started = Date.now();

/** The shell lines of the guide's first ```sh block under "Start a plugin", comments removed. */
function guideSteps() {
  const text = readFileSync(GUIDE, 'utf8');
  const section = text.split(/^## /m).find((s) => /^[\d.\s]*Start a plugin/.test(s));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`${GUIDE}: no \`\`\`sh block in a "Start a plugin" section`);
  const lines = block[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  if (!lines.some((l) => /^npm create reef-plugin@latest \S+ -- --kind quantizer$/.test(l))) {
    throw new Error(`${GUIDE}: the "Start a plugin" block has no \`npm create reef-plugin@latest <folder> -- --kind quantizer\` line`);
  }
  return lines;
}

/** Workspace packages by name, with their folders. */
function workspacePackages() {
  const byName = new Map();
  for (const group of ['packages', 'plugins', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      byName.set(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name, dir);
    }
  }
  return byName;
}

/** create-reef-plugin plus every @reef package the templates need at run, build or test time, transitively. */
function packagesToPack(byName) {
  const wanted = new Set(['create-reef-plugin']);
  const queue = readdirSync(join(root, 'templates')).map((t) => join(root, 'templates', t, 'package.json')).filter(existsSync);
  const visit = (manifestPath, withDev) => {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const fields = ['dependencies', 'peerDependencies', ...(withDev ? ['devDependencies'] : [])];
    for (const dep of fields.flatMap((f) => Object.keys(m[f] ?? {}))) {
      if (!dep.startsWith('@reef/') || wanted.has(dep)) continue;
      if (!byName.has(dep)) throw new Error(`${manifestPath} needs ${dep}, which is not a workspace package`);
      wanted.add(dep);
      visit(join(byName.get(dep), 'package.json'), false);
    }
  };
  for (const manifestPath of queue) visit(manifestPath, true);
  return [...wanted].sort();
}

/**
 * Runs a shell line without blocking this process: the loopback registry is served from here, so a
 * synchronous spawn would leave npm waiting on it forever.
 */
function runLine(line, cwd, env) {
  return new Promise((resolveRun) => {
    const child = spawn('sh', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => resolveRun({ status, output }));
  });
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).map((l) => '    ' + l).join('\n');
}

const steps = guideSteps();
const byName = workspacePackages();
const work = mkdtempSync(join(tmpdir(), 'reef-templates-test-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

// 1. Pack, as scripts/install-test/run.mjs does (pnpm rewrites workspace: ranges).
const names = packagesToPack(byName);
for (const name of names) {
  const dir = byName.get(name);
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`templates test: ${name} is not built (no ${dir}/dist); run \`pnpm build\` first`);
    process.exit(1);
  }
  execFileSync('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', tarballs], { cwd: dir, stdio: 'ignore' });
}
console.log(`packed ${names.length} packages: ${names.join(', ')}`);

// 2. Each kind: the guide's lines in a fresh folder outside the workspace.
const registry = await startScopedRegistry(tarballs);
// npm resolves the @reef scope from the loopback registry, everything else from its usual registry.
// The scope goes in a global config file of this run's own (npm does not apply a scoped registry
// given as an environment variable when it installs); the user's ~/.npmrc still applies.
const globalConfig = join(work, 'npmrc');
writeFileSync(globalConfig, `@reef:registry=${registry.url}\n`);
const scopeEnv = { ...process.env, npm_config_globalconfig: globalConfig, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
// `npm create` fetches the unscoped create-reef-plugin: from the loopback registry, with a cache of
// its own so no earlier run's copy is reused. The scaffolder has no dependencies, nothing else is
// fetched. npm_config_yes answers npm's "Ok to proceed?" as a person at a terminal does.
const createEnv = { ...scopeEnv, npm_config_registry: registry.url, npm_config_cache: join(work, 'npm-create-cache'), npm_config_yes: 'true' };
const failures = [];
try {
  for (const kind of KINDS.filter((k) => !onlyKind || k === onlyKind)) {
    const kindStarted = Date.now();
    let cwd = mkdtempSync(join(work, `${kind}-`));
    let failure;
    for (const line of steps.map((l) => l.replace(/--kind quantizer$/, `--kind ${kind}`))) {
      const cd = /^cd (\S+)$/.exec(line);
      if (cd) {
        cwd = resolve(cwd, cd[1]);
        continue;
      }
      const env = line.startsWith('npm create ') ? createEnv : scopeEnv;
      const result = await runLine(line, cwd, env);
      if (result.status !== 0) {
        failure = `\`${line}\` exited ${result.status}\n${tail(result.output)}`;
        break;
      }
    }
    const seconds = ((Date.now() - kindStarted) / 1000).toFixed(0);
    console.log(`${failure ? 'FAIL' : 'ok  '} ${kind}: ${failure ?? `${steps.length} guide steps (create, install, build, test) in ${seconds} s`}`);
    if (failure) failures.push(kind);
  }
} finally {
  await registry.close();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
const total = ((Date.now() - started) / 1000).toFixed(0);
if (failures.length) {
  console.error(`templates test: ${failures.join(', ')} failed (${total} s)`);
  process.exit(1);
}
console.log(`templates test: every template scaffolds, installs, builds and passes its tests outside the workspace (${total} s)`);
