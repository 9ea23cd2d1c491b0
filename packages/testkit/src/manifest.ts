import { PLUGIN_API_VERSION, Registry, type ReefManifest, type ReefPluginModule } from '@reef/core';
import { loadPluginSpec } from '@reef/core/node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

export interface PluginManifestOptions {
  /** The plugin module as the package exports it. */
  readonly plugin: ReefPluginModule;
  /** The package's folder (the one holding package.json), e.g. `fileURLToPath(new URL('..', import.meta.url))`. */
  readonly packageDir: string;
}

interface PackageJson {
  readonly name: string;
  readonly reef?: ReefManifest;
}

function readPackageJson(packageDir: string): PackageJson {
  return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageJson;
}

function registeredIds(module: ReefPluginModule, packageName: string): { quantizers: string[]; deltaTypes: string[] } {
  const registry = new Registry();
  registry.use(module, packageName);
  return {
    quantizers: registry.quantizers().map((p) => p.id).sort(),
    deltaTypes: registry.deltaTypes().map((p) => p.id).sort(),
  };
}

function differences(kind: string, registered: readonly string[], declared: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of registered) if (!declared.includes(id)) out.push(`registers ${kind} '${id}', which package.json reef.${kind} does not list`);
  for (const id of declared) if (!registered.includes(id)) out.push(`package.json reef.${kind} lists '${id}', which the module does not register`);
  return out;
}

/**
 * What is wrong with a plugin package's `reef` manifest, as sentences (empty when nothing):
 * hosts list plugins from it without importing them, so it must name this plugin API and exactly
 * the quantizer and delta-type ids the module registers.
 */
export function pluginManifestProblems({ plugin, packageDir }: PluginManifestOptions): string[] {
  const pkg = readPackageJson(packageDir);
  const manifest = pkg.reef;
  if (!manifest) return [`${pkg.name}/package.json has no "reef" field`];
  const problems: string[] = [];
  if (manifest.apiVersion !== PLUGIN_API_VERSION) problems.push(`reef.apiVersion is ${manifest.apiVersion}; this host speaks ${PLUGIN_API_VERSION}`);
  if (plugin.apiVersion !== manifest.apiVersion) problems.push(`the module targets plugin API ${plugin.apiVersion} but reef.apiVersion says ${manifest.apiVersion}`);
  const registered = registeredIds(plugin, pkg.name);
  problems.push(...differences('quantizers', registered.quantizers, manifest.quantizers ?? []));
  problems.push(...differences('deltaTypes', registered.deltaTypes, manifest.deltaTypes ?? []));
  return problems;
}

/**
 * The manifest check every plugin runs next to its contract suite: package.json's `reef` field
 * lists exactly the ids the module registers, and discovery reaches the same module through it
 * (so `reef.plugin` must point at the built module). At the top level of a test file:
 *
 *   describePluginManifest({ plugin, packageDir: fileURLToPath(new URL('..', import.meta.url)) });
 */
export function describePluginManifest(options: PluginManifestOptions): void {
  const pkg = readPackageJson(options.packageDir);

  describe(`plugin manifest: ${pkg.name}`, () => {
    it('names this plugin API and exactly the quantizers and delta types the module registers', () => {
      expect(pluginManifestProblems(options)).toEqual([]);
    });

    it('is found by discovery through the manifest, which loads the same plugin', async () => {
      const { module, packageName } = await loadPluginSpec(options.packageDir);
      expect(packageName).toBe(pkg.name);
      expect(module.name).toBe(options.plugin.name);
      expect(registeredIds(module, packageName)).toEqual(registeredIds(options.plugin, pkg.name));
    });
  });
}
