import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImports } from '../import-boundaries/check.mjs';
import { applyKnown, readKnown } from '../import-boundaries/known.mjs';
import { RULES } from '../import-boundaries/policy.mjs';

const here = new URL('.', import.meta.url).pathname;
const badTree = join(here, 'fixtures/bad-tree');
const goodTree = join(here, 'fixtures/good-tree');
const cli = join(here, '../check-imports.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'reef-import-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const at = (v) => `${v.file}:${v.line} ${v.rule}`;

describe('checkImports on a tree that breaks every rule on purpose', () => {
  const { violations, files, workspaces } = checkImports(badTree);

  it('reports each deliberately bad import at its file and line, and nothing else', () => {
    expect(files).toBe(16);
    expect(workspaces).toBe(10);
    expect(violations.map(at).sort()).toEqual(
      [
        'packages/core/src/index.ts:2 bottom-layer-imports-workspace',
        'packages/core/src/index.ts:2 package-cycle',
        'packages/kernels/src/load.ts:2 browser-entry-imports-node',
        'packages/store/package.json:3 depends-on-plugin',
        'plugins/delta-pq/package.json:3 depends-on-plugin',
        'packages/store/src/index.ts:2 undeclared-dependency',
        'packages/store/src/index.ts:3 unexported-subpath',
        'packages/store/src/index.ts:4 imports-app',
        'packages/store/src/index.ts:6 undeclared-package-import',
        'packages/store/src/objects.ts:1 module-cycle',
        'packages/store/src/objects.ts:2 library-imports-plugin',
        'plugins/delta-pq/src/index.ts:2 plugin-imports-plugin',
        'plugins/delta-pq/src/index.ts:3 plugin-deep-import',
        'plugins/opq/src/index.ts:1 plugin-internal-import',
        'plugins/opq/src/index.ts:2 plugin-internal-import',
        'plugins/opq/src/index.ts:3 plugin-import-not-allowed',
        'plugins/opq/src/index.ts:4 plugin-import-not-allowed',
        'plugins/pq/src/codebooks.ts:1 module-cycle',
      ].sort(),
    );
  });

  it('breaks every rule it knows, so no rule goes untested', () => {
    expect(new Set(violations.map((v) => v.rule))).toEqual(new Set(Object.keys(RULES)));
  });

  it('names the offending import, and only the names outside a public API', () => {
    const internal = violations.filter((v) => v.rule === 'plugin-internal-import');
    expect(internal.map((v) => v.import)).toEqual(['@reef/quantizer-pq', '@reef/quantizer-pq']);
    expect(internal[0].message).toContain('imports multiplyInWorkers from @reef/quantizer-pq');
    expect(internal[0].message).not.toContain('ProductQuantizer');
    expect(internal[1].message).toContain('whole module');
  });

  it('follows type-only and dynamic imports into cycles and names every line of the cycle', () => {
    const cycles = Object.fromEntries(violations.filter((v) => v.rule === 'module-cycle').map((v) => [v.file, v]));
    expect(cycles['packages/store/src/objects.ts'].message).toBe('import cycle objects.ts:1 -> pack-writer.ts:1 -> objects.ts');
    expect(cycles['packages/store/src/objects.ts'].modules).toEqual(['packages/store/src/objects.ts', 'packages/store/src/pack-writer.ts']);
    expect(cycles['plugins/pq/src/codebooks.ts'].message).toBe('import cycle codebooks.ts:1 -> parallel-training.ts:1 -> training.ts:2 -> codebooks.ts');
    const packageCycle = violations.find((v) => v.rule === 'package-cycle');
    expect(packageCycle.packages).toEqual(['@reef/core', '@reef/kernels']);
    expect(packageCycle.message).toContain('@reef/kernels (packages/kernels/src/index.ts:1) -> @reef/core');
  });

  it('names the import chain from a browser-safe entry to the Node built-in it reaches', () => {
    const browser = violations.find((v) => v.rule === 'browser-entry-imports-node');
    expect(browser.message).toContain('@reef/kernels entry "." must load in a browser but reaches node:fs (index.ts -> load.ts)');
  });
});

describe('checkImports on a tree that uses only what the rules allow', () => {
  it('reports nothing', () => {
    const { violations, files } = checkImports(goodTree);
    expect(files).toBe(10);
    expect(violations).toEqual([]);
  });
});

describe('the known-violations allow-list', () => {
  const { violations } = checkImports(badTree);

  it('allows an import by rule, file and specifier whatever its line, and a cycle by its exact modules', () => {
    const known = [
      { rule: 'library-imports-plugin', file: 'packages/store/src/objects.ts', import: '@reef/delta-lossless' },
      { rule: 'module-cycle', modules: ['packages/store/src/pack-writer.ts', 'packages/store/src/objects.ts'] },
      { rule: 'package-cycle', packages: ['@reef/kernels', '@reef/core'] },
    ];
    const { failing, allowed, stale } = applyKnown(violations, known);
    expect(allowed.map(at).sort()).toEqual([
      'packages/core/src/index.ts:2 package-cycle',
      'packages/store/src/objects.ts:1 module-cycle',
      'packages/store/src/objects.ts:2 library-imports-plugin',
    ]);
    expect(failing).toHaveLength(violations.length - 3);
    expect(stale).toEqual([]);
  });

  it('does not allow a cycle whose group has changed, and reports entries nothing matches as stale', () => {
    const known = [
      { rule: 'module-cycle', modules: ['plugins/pq/src/codebooks.ts', 'plugins/pq/src/training.ts'] }, // the group has 3 modules
      { rule: 'library-imports-plugin', file: 'packages/store/src/index.ts', import: '@reef/delta-lossless' },
      { rule: 'plugin-imports-plugin', file: 'packages/store/src/objects.ts', import: '@reef/delta-lossless' }, // wrong rule
    ];
    const { failing, allowed, stale } = applyKnown(violations, known);
    expect(allowed).toEqual([]);
    expect(failing).toHaveLength(violations.length);
    expect(stale).toEqual(known);
  });

  it('refuses a malformed list with a message naming the entry', () => {
    const file = join(scratch, 'malformed.json');
    writeFileSync(file, JSON.stringify({ violations: [{ rule: 'module-cycle', file: 'a.ts' }] }));
    expect(() => readKnown(file)).toThrow(/violations\[0\] needs "rule" and either/);
  });
});

// The command as CI runs it (real processes; generous timeouts for a loaded machine).
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('scripts/check-imports.mjs', () => {
  it('exits 1 on the bad tree, printing file:line: rule: message for each violation', () => {
    const result = run('--root', badTree);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('packages/store/src/objects.ts:2: library-imports-plugin: @reef/store (packages/) imports the plugin @reef/delta-lossless');
    expect(result.stdout).toContain('plugins/delta-pq/src/index.ts:3: plugin-deep-import:');
    expect(result.stdout).toMatch(/18 violations, 0 known and allowed, 0 stale/);
  }, 120_000);

  it('refuses an unknown argument with its usage, exit code 2', () => {
    const result = run('--root', goodTree, '--known-violations', 'x.json');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown argument --known-violations; usage: node scripts/check-imports.mjs');
  }, 120_000);

  it('exits 0 on the good tree', () => {
    const result = run('--root', goodTree);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/0 violations/);
  }, 120_000);

  it('prints each allowed violation and fails on a stale entry', () => {
    const file = join(scratch, 'known.json');
    writeFileSync(
      file,
      JSON.stringify({
        violations: [
          { rule: 'plugin-imports-plugin', file: 'plugins/delta-pq/src/index.ts', import: '@reef/delta-quantized' },
          { rule: 'plugin-imports-plugin', file: 'plugins/delta-pq/src/index.ts', import: '@reef/delta-lossless' },
        ],
      }),
    );
    const result = run('--root', goodTree, '--known', file);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/stale entry in .*known\.json: nothing violates .*@reef\/delta-quantized.* any more; delete it/);

    const bad = run('--root', badTree, '--known', file);
    expect(bad.stdout).toContain('  known: plugins/delta-pq/src/index.ts:2: plugin-imports-plugin:');
    expect(bad.stdout).toMatch(/17 violations, 1 known and allowed, 1 stale/);
  }, 120_000);
});
