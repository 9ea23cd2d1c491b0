import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeRegistry, findPluginPackages, loadPluginSpec } from '../src/node.js';
import { COMPUTE_POOL, type ComputePool } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A project folder with an installed plugin package (plain JS, no imports) and a non-plugin dependency. */
function project(manifest: unknown = { plugin: './index.js', apiVersion: 1, quantizers: ['half'] }): string {
  const root = mkdtempSync(join(tmpdir(), 'reef-discovery-'));
  dirs.push(root);
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'reef-half': '1.0.0', 'left-pad': '1.0.0' } }));
  const plugin = join(root, 'node_modules/reef-half');
  mkdirSync(plugin, { recursive: true });
  writeFileSync(join(plugin, 'package.json'), JSON.stringify({ name: 'reef-half', version: '1.2.3', type: 'module', reef: manifest }));
  writeFileSync(
    join(plugin, 'index.js'),
    `export default { name: 'reef-half', apiVersion: 1, register(host) { host.registerQuantizer({
      kind: 'quantizer', id: 'half', label: 'Half', summary: 'halves', apiVersion: 1, params: [], defaultGrid: {},
      create: () => { throw new Error('unused'); }, load: () => { throw new Error('unused'); } }); } };\n`,
  );
  const other = join(root, 'node_modules/left-pad');
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.0.0' }));
  return root;
}

describe('plugin discovery', () => {
  it('finds dependencies whose package.json has a reef manifest, and only those', () => {
    const root = project();
    const found = findPluginPackages([root]);
    expect(found.map((p) => [p.packageName, p.version])).toEqual([['reef-half', '1.2.3']]);
  });

  it('builds a registry from discovered packages, stamping the package name', async () => {
    const root = project();
    const registry = await createNodeRegistry({ roots: [root], cwd: root });
    expect(registry.quantizer('half').packageName).toBe('reef-half');
  });

  it('with kinds, skips packages that declare only other kinds (without importing them); undeclared ones still load', async () => {
    const root = project();
    // An import of the module would throw: skipping must not even load it.
    writeFileSync(join(root, 'node_modules/reef-half/index.js'), 'throw new Error("imported");\n');
    expect((await createNodeRegistry({ roots: [root], cwd: root, kinds: ['deltaTypes'] })).quantizers()).toEqual([]);
    await expect(createNodeRegistry({ roots: [root], cwd: root, kinds: ['quantizers'] })).rejects.toThrow('imported');
    const undeclared = project({ plugin: './index.js', apiVersion: 1 });
    expect((await createNodeRegistry({ roots: [undeclared], cwd: undeclared, kinds: ['deltaTypes'] })).quantizer('half').id).toBe('half');
  });

  it('provides the host’s services before loading plugins; a plugin requiring one the host lacks is refused', async () => {
    const root = project();
    // A plugin with its own copy of core: its token is equal by key (Symbol.for), not by identity.
    writeFileSync(
      join(root, 'node_modules/reef-half/index.js'),
      `const POOL = { key: Symbol.for('reef:service:COMPUTE_POOL'), name: 'COMPUTE_POOL', description: 'runs compute jobs' };
      export default { name: 'reef-half', apiVersion: 1, requires: [POOL], register(host) { host.registerQuantizer({
        kind: 'quantizer', id: 'half', label: 'Half', summary: 'threads: ' + host.services.get(POOL).threads, apiVersion: 1, params: [], defaultGrid: {},
        create: () => { throw new Error('unused'); }, load: () => { throw new Error('unused'); } }); } };\n`,
    );
    await expect(createNodeRegistry({ roots: [root], cwd: root })).rejects.toThrow('plugin reef-half needs the COMPUTE_POOL service');
    const pool: ComputePool = { threads: 3, run: async () => {}, close: async () => {} };
    const registry = await createNodeRegistry({ roots: [root], cwd: root, provide: (r) => r.provide(COMPUTE_POOL, pool) });
    expect(registry.quantizer('half').summary).toBe('threads: 3');
  });

  it('loads an explicit plugin by folder or by installed package name', async () => {
    const root = project();
    expect((await loadPluginSpec(join(root, 'node_modules/reef-half'), root)).packageName).toBe('reef-half');
    expect((await loadPluginSpec('reef-half', root)).packageName).toBe('reef-half');
    await expect(loadPluginSpec('not-installed-anywhere', root)).rejects.toThrow("plugin package 'not-installed-anywhere' is not installed here");
    await expect(loadPluginSpec('./missing', root)).rejects.toThrow(/no such file: .*missing/);
  });

  it('refuses a malformed manifest and a manifest for another API version', async () => {
    expect(() => findPluginPackages([project({ plugin: 3 })])).toThrow('field "reef" must be');
    const root = project({ plugin: './index.js', apiVersion: 2 });
    await expect(createNodeRegistry({ roots: [root], cwd: root })).rejects.toThrow('reef-half@1.2.3 targets Reef plugin API 2');
  });
});
