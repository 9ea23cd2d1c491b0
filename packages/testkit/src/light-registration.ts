import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heavyAtRegistration, modulesLoadedByRegistration } from './registration-load.js';

export interface LightRegistrationOptions {
  /** The package's folder (the one holding package.json), e.g. `fileURLToPath(new URL('..', import.meta.url))`. */
  readonly packageDir: string;
}

/**
 * For delta-type plugins: a host registers every installed delta type when it starts (the CLI does
 * for each `reef add`), so importing the module the manifest names (`reef.plugin`, built) and
 * registering it must not load code that only encoding or decoding needs (`heavyAtRegistration`:
 * ml-matrix, @reef/kernels' main entry with its WASM module, the quantizers, HDF5). Checked in a
 * fresh Node process that records every module it loads. Needs the package built.
 */
export function describeLightRegistration({ packageDir }: LightRegistrationOptions): void {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; reef?: { plugin?: string } };
  const entry = manifest.reef?.plugin ?? './dist/index.js';
  describe(`${manifest.name}: registration stays light`, () => {
    it(`importing ${entry} and registering it in a fresh process loads no encode-only code`, async () => {
      const loaded = await modulesLoadedByRegistration(join(packageDir, entry));
      // The hook saw the plugin's own entry, so an empty list below means something.
      expect(loaded.map((m) => `${m.packageName}/${m.file}`)).toContain(`${manifest.name}/${entry.replace(/^\.\//, '')}`);
      expect(heavyAtRegistration(loaded).map((m) => `${m.packageName}/${m.file}`)).toEqual([]);
    });
  });
}
