// Copies the repository's templates/ into dist/templates/, so they ship in this package's tarball,
// and sets each template's @reef dependencies and devDependencies to the versions in this workspace
// (`^<version>`): a scaffolded plugin then installs the @reef releases published together with this
// scaffolder. Peer ranges (@reef/core) are the template's policy and stay as written; the build
// fails if one no longer holds the workspace's version.
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const root = join(here, '../..');
const source = join(root, 'templates');
const target = join(here, 'dist/templates');

const versions = new Map();
for (const group of ['packages', 'plugins', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const file = join(root, group, name, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    versions.set(manifest.name, manifest.version);
  }
}

rmSync(target, { recursive: true, force: true });
const skipped = new Set(['node_modules', 'dist', '.turbo']);
for (const template of readdirSync(source)) {
  const from = join(source, template);
  if (!existsSync(join(from, 'package.json'))) continue;
  cpSync(from, join(target, template), {
    recursive: true,
    filter: (path) => !skipped.has(basename(path)) && !path.endsWith('.tsbuildinfo'),
  });
  const manifestPath = join(target, template, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (!name.startsWith('@reef/')) continue;
      if (!versions.has(name)) throw new Error(`template ${template} depends on ${name}, which is not a package of this workspace`);
      if (field !== 'peerDependencies') manifest[field][name] = `^${versions.get(name)}`;
      else if (!holds(range, versions.get(name))) {
        throw new Error(`template ${template}: peer range ${name}@${range} does not hold the workspace's ${versions.get(name)}`);
      }
    }
  }
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

/** Whether `version` is in `range`; the two forms templates use: `^x.y.z` and `>=x.y.z <a.b.c`. */
function holds(range, version) {
  const parse = (v) => v.split('.').map(Number);
  const compare = (a, b) => {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const v = parse(version);
  const caret = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (caret) {
    const low = parse(caret[1]);
    const high = low[0] > 0 ? [low[0] + 1, 0, 0] : low[1] > 0 ? [0, low[1] + 1, 0] : [0, 0, low[2] + 1];
    return compare(v, low) >= 0 && compare(v, high) < 0;
  }
  const between = /^>=(\d+\.\d+\.\d+) <(\d+\.\d+\.\d+)$/.exec(range);
  if (between) return compare(v, parse(between[1])) >= 0 && compare(v, parse(between[2])) < 0;
  throw new Error(`peer range ${range} is not of a form this script reads (^x.y.z or >=x.y.z <a.b.c)`);
}
