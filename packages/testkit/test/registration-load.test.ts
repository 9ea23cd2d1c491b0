import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heavyAtRegistration, modulesLoadedByRegistration } from '../dist/registration-load.js'; // built: it runs its child script from dist

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const names = (modules: { packageName: string; file: string }[]): string[] => modules.map((m) => `${m.packageName}/${m.file}`);

describe('modulesLoadedByRegistration', () => {
  it('records what a fresh process loads to import and register a plugin, by package', async () => {
    const loaded = await modulesLoadedByRegistration(fixture('heavy-plugin.mjs'));
    expect(names(loaded)).toContain('@reef/core/dist/index.js');
    expect(names(loaded)).toContain('@reef/testkit/test/fixtures/heavy-plugin.mjs');
    expect(names(heavyAtRegistration(loaded))).toContain('@reef/kernels/dist/index.js');
  });

  it('sees no heavy module where the plugin imports it only on first use', async () => {
    const loaded = await modulesLoadedByRegistration(fixture('light-plugin.mjs'));
    expect(names(loaded)).toContain('@reef/testkit/test/fixtures/light-plugin.mjs');
    expect(names(loaded).filter((n) => n.startsWith('@reef/kernels/'))).toEqual([]);
    expect(heavyAtRegistration(loaded)).toEqual([]);
  });
});
