import { gzipSync } from 'node:zlib';
import { findPluginPackages } from '@reef/core/node';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

// Every quantizer and delta type, bundled for the browser as a web app would bundle it: esbuild with
// platform 'browser' and no externals fails on any Node built-in left on the path.
const app = new URL('..', import.meta.url).pathname;
const plugins = findPluginPackages([app], true);

async function bundle(packages: readonly string[]): Promise<{ bytes: Uint8Array; inputs: string[] }> {
  const result = await build({
    stdin: { contents: packages.map((p, i) => `export * as p${i} from ${JSON.stringify(p)};`).join('\n'), resolveDir: app, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // Files that put code into the bundle (the metafile's `inputs` also lists modules tree-shaken to nothing).
  const output = Object.values((result.metafile as Metafile).outputs)[0];
  const inputs = Object.entries(output.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([file]) => file);
  return { bytes: result.outputFiles[0].contents, inputs };
}

describe('browser bundles (esbuild, platform browser, no externals)', () => {
  it('finds the first-party quantizers and delta types', () => {
    expect(plugins.filter((p) => p.manifest.quantizers?.length).length).toBeGreaterThanOrEqual(6);
    expect(plugins.filter((p) => p.manifest.deltaTypes?.length).length).toBeGreaterThanOrEqual(4);
  });

  for (const plugin of plugins) {
    it(`@reef/core + ${plugin.packageName}`, async () => {
      const { bytes } = await bundle(['@reef/core', plugin.packageName]);
      expect(bytes.length).toBeGreaterThan(1000);
    });
  }

  it('core + sq + pq stay small: no ml-matrix, no h5wasm (README figure)', async () => {
    const { bytes, inputs } = await bundle(['@reef/core', '@reef/quantizer-sq', '@reef/quantizer-pq']);
    expect(inputs.filter((f) => /ml-matrix|h5wasm/.test(f))).toEqual([]);
    const gz = gzipSync(bytes).length;
    console.log(`core + sq + pq for the browser: ${(bytes.length / 1024).toFixed(0)} KiB minified, ${(gz / 1024).toFixed(0)} KiB gzipped`);
    expect(gz).toBeLessThan(64 * 1024);
  });

  it('@reef/hdf5 resolves to its browser build (h5wasm ES module, no Node built-ins)', async () => {
    const { inputs } = await bundle(['@reef/hdf5']);
    expect(inputs.some((f) => f.includes('h5wasm/dist/esm/'))).toBe(true);
    expect(inputs.some((f) => f.includes('h5wasm/dist/node/'))).toBe(false);
  });
});
