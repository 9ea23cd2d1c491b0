import { Registry, expandGrid, vectors } from '@reef/core';
import { loadPluginSpec } from '@reef/core/node';
import { fileURLToPath } from 'node:url';
import { describePluginManifest } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import reefPlugin from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// package.json's "reef" field lists exactly the ids the module registers.
describePluginManifest({ plugin: reefPlugin, packageDir });

describe('package manifest and discovery', () => {
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
