// The dist dependency check on small monorepos written to a temp folder (dist/ is git-ignored, so the
// fixtures are built here rather than committed).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDistDependencies, packageNameOf } from '../dist-dependencies/check.mjs';

const cli = join(new URL('.', import.meta.url).pathname, '../check-dist-dependencies.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'reef-dist-deps-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(name, files) {
  const root = join(scratch, name);
  const all = { 'pnpm-workspace.yaml': 'packages:\n  - packages/*\n  - plugins/*\n', ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

// A plugin whose built output imports kernels (only a devDependency: the bug of issue 16), a
// third-party subpath it does not declare, and declares a dependency it never imports.
const badTree = tree('bad', {
  'plugins/sq/package.json': {
    name: '@reef/quantizer-sq',
    dependencies: { 'left-over': '^1.0.0' },
    peerDependencies: { '@reef/core': '>=0.1.0 <1.0.0' },
    devDependencies: { '@reef/kernels': 'workspace:^' },
  },
  'plugins/sq/dist/index.js': "import { register } from '@reef/core';\nexport * from './wasm.js';\nexport const r = register;\n",
  'plugins/sq/dist/wasm.js': "import fs from 'node:fs';\nimport { createHash } from 'crypto';\nimport { packBits } from '@reef/kernels';\nconst table = await import('lodash/fp/map.js');\nexport { fs, createHash, packBits, table };\n",
  'plugins/sq/src/index.ts': "import '@reef/not-built';\n", // sources are not what gets published
});

// The same plugin declared correctly, plus a host that depends on a plugin it only discovers, a private
// package (never published) and a package with no build yet.
const goodTree = tree('good', {
  'plugins/sq/package.json': {
    name: '@reef/quantizer-sq',
    dependencies: { '@reef/kernels': '^0.1.0', lodash: '^4.17.21' },
    peerDependencies: { '@reef/core': '>=0.1.0 <1.0.0' },
  },
  'plugins/sq/dist/index.js': "import { register } from '@reef/core';\nimport self from '@reef/quantizer-sq/package.json' with { type: 'json' };\nexport * from './wasm.js';\nexport const r = [register, self];\n",
  'plugins/sq/dist/wasm.js': "import fs from 'node:fs';\nimport { packBits } from '@reef/kernels';\nconst table = await import('lodash/fp/map.js');\nexport { fs, packBits, table };\n",
  'packages/host/package.json': { name: '@reef/host', dependencies: { '@reef/quantizer-sq': '^0.1.0' } },
  'packages/host/dist/index.js': "export const host = 'discovers its plugins';\n",
  'packages/host/node_modules/@reef/quantizer-sq/package.json': { name: '@reef/quantizer-sq', reef: { plugin: './dist/index.js' } },
  'packages/private/package.json': { name: 'private-tool', private: true },
  'packages/private/dist/index.js': "import 'undeclared';\n",
  'packages/unbuilt/package.json': { name: '@reef/unbuilt' },
});

describe('checkDistDependencies', () => {
  it('reports each undeclared import of the built output at its file and line, and each unused dependency', () => {
    const { findings, packages, files } = checkDistDependencies(badTree);
    expect({ packages, files }).toEqual({ packages: 1, files: 2 });
    expect(findings).toEqual([
      { package: '@reef/quantizer-sq', kind: 'undeclared', dependency: '@reef/kernels', file: 'plugins/sq/dist/wasm.js', line: 3 },
      { package: '@reef/quantizer-sq', kind: 'undeclared', dependency: 'lodash', file: 'plugins/sq/dist/wasm.js', line: 4 },
      { package: '@reef/quantizer-sq', kind: 'unused', dependency: 'left-over' },
    ]);
  });

  it('accepts declared imports, self-references, built-ins and plugins a host discovers; skips private and unbuilt packages', () => {
    const { findings, packages, files } = checkDistDependencies(goodTree);
    expect(findings).toEqual([]);
    expect({ packages, files }).toEqual({ packages: 2, files: 3 });
  });
});

describe('packageNameOf', () => {
  it('names the package of a bare specifier and nothing for relative paths, built-ins and URLs', () => {
    expect(['@reef/core/delta', 'ml-matrix', 'lodash/fp/map.js', './x.js', '../y.js', 'node:fs', 'fs/promises', 'data:text/javascript,1'].map(packageNameOf)).toEqual([
      '@reef/core', 'ml-matrix', 'lodash', undefined, undefined, undefined, undefined, undefined,
    ]);
  });
});

describe('node scripts/check-dist-dependencies.mjs', () => {
  it('exits 1 and names the file, line and dependency on the bad tree', () => {
    const run = spawnSync('node', [cli, badTree], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('plugins/sq/dist/wasm.js:3 @reef/quantizer-sq imports @reef/kernels but its package.json does not declare it');
    expect(run.stderr).toContain('@reef/quantizer-sq declares the dependency left-over but no file of its dist imports it');
  });

  it('exits 0 on the good tree', () => {
    const run = spawnSync('node', [cli, goodTree], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('dist dependencies: 0 problem(s) in 3 built files of 2 packages');
  });

  it('exits 1 when nothing is built, instead of passing on an empty tree', () => {
    const run = spawnSync('node', [cli, tree('unbuilt', { 'packages/a/package.json': { name: 'a' } })], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('run `pnpm build` first');
  });
});
