import { Registry, expandGrid, vectors } from '@reef/core';
import { loadPluginSpec } from '@reef/core/node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('package manifest and discovery', () => {
  it('is found through its package.json "reef" field and registers exactly the quantizers it declares', async () => {
    const pkg = JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as { name: string; reef: { quantizers: string[] } };
    const { module, packageName } = await loadPluginSpec(packageDir);
    expect(packageName).toBe(pkg.name);
    const registry = new Registry();
    registry.use(module, packageName);
    expect(registry.quantizers().map((p) => p.id)).toEqual(pkg.reef.quantizers);
    expect(registry.quantizer('sq').packageName).toBe('@reef/quantizer-sq');
  });

  it('has a default grid whose every configuration trains and encodes', async () => {
    const { module } = await loadPluginSpec(packageDir);
    const registry = new Registry();
    registry.use(module);
    const plugin = registry.quantizer('sq');
    const configs = expandGrid(plugin.params, plugin.defaultGrid);
    expect(configs.length).toBeGreaterThan(1);
    const data = vectors(Float32Array.from({ length: 40 * 5 }, (_, i) => Math.sin(i)), 5);
    for (const config of configs) {
      const q = registry.createQuantizer('sq', config, 5);
      await q.fit(data);
      expect(q.decode(q.encode(data)).length).toBe(data.data.length);
    }
  });
});
