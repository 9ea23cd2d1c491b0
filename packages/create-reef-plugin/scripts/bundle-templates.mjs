// Copies the repository's templates/ into dist/templates/, so they ship in this package's tarball,
// and sets each template's @reef ranges to the versions in this workspace (`^<version>`): a
// scaffolded plugin then installs the @reef releases published together with this scaffolder.
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
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (!name.startsWith('@reef/')) continue;
      if (!versions.has(name)) throw new Error(`template ${template} depends on ${name}, which is not a package of this workspace`);
      manifest[field][name] = `^${versions.get(name)}`;
    }
  }
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}
