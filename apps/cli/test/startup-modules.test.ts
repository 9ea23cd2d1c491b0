import { DEFAULT_DATASET } from '@reef/datasets';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_DATASET_HELP } from '../src/commands/demo.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const bin = resolve(here, '../dist/bin.js');
/** What package.json's bin runs: the esbuild bundle of the start-up path (scripts/bundle.mjs). */
const bundle = resolve(here, '../dist/bundle/reef.js');
const recorder = resolve(here, 'loads/record-loads.mjs');
const FIXTURES = resolve(here, '../../../fixtures');

/**
 * Modules no read-only command may load: h5wasm (and the packages that bring it), plugins, metrics,
 * and the DI container (tsyringe, reflect-metadata: ~0.1 s of start-up; only a Registry needs it).
 */
const HEAVY = /h5wasm|\/packages\/(hdf5|datasets|metrics)\/|\/plugins\/|@reef\/(quantizer|delta)-|tsyringe|reflect-metadata|\/packages\/core\/dist\/(index|registry|node)\.js/;

async function reef(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, entry = bin): Promise<string> {
  const { stdout } = await run(process.execPath, [...(env.REEF_LOAD_LOG ? ['--import', recorder] : []), entry, ...args], { cwd, env: { ...process.env, ...env } });
  return stdout;
}

describe('reef start-up: read-only commands load only what they use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-startup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('status, log, show, branch and tag load no h5wasm, no plugin, no metrics module and no DI container, bundled or not', async () => {
    await reef(['init'], dir);
    copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(dir, 'model.safetensors'));
    await reef(['add', 'model.safetensors'], dir);
    await reef(['commit', '-m', 'base'], dir);
    await reef(['tag', 'v1'], dir);
    for (const args of [['status'], ['log'], ['show'], ['branch'], ['tag']]) {
      const log = join(dir, `loads-${args[0]}.txt`);
      const stdout = await reef(args, dir, { REEF_LOAD_LOG: log });
      expect(stdout.length, `reef ${args[0]} printed something`).toBeGreaterThan(0);
      const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      // The recorder works: the command's own modules and the store are in the list.
      expect(urls.some((u) => u.includes('/packages/store/')), `reef ${args[0]} loaded @reef/store`).toBe(true);
      expect(urls.filter((u) => HEAVY.test(u)), `reef ${args[0]} loaded`).toEqual([]);
      // The bundle loads its own chunks and nothing heavy from node_modules either.
      const bundleLog = join(dir, `bundle-loads-${args[0]}.txt`);
      expect((await reef(args, dir, { REEF_LOAD_LOG: bundleLog }, bundle)).length).toBeGreaterThan(0);
      const bundleUrls = readFileSync(bundleLog, 'utf8').split('\n').filter(Boolean);
      expect(bundleUrls.some((u) => u.includes('/dist/bundle/')), `reef ${args[0]} ran the bundle`).toBe(true);
      expect(bundleUrls.filter((u) => HEAVY.test(u)), `bundled reef ${args[0]} loaded`).toEqual([]);
    }
    // The recorder sees what a command that needs them does load.
    const log = join(dir, 'loads-export.txt');
    await reef(['export', 'HEAD', '--format', 'safetensors', '-o', 'out.safetensors'], dir, { REEF_LOAD_LOG: log });
    const urls = readFileSync(log, 'utf8');
    expect(urls).toMatch(/h5wasm/);
    expect(urls).toMatch(/\/plugins\/delta-lossless\//);
  }, 300_000); // several reef processes: each can take seconds on a loaded 2-core machine

  it("names @reef/datasets' default dataset in demo's help without importing it", () => {
    expect(DEMO_DATASET_HELP).toBe(DEFAULT_DATASET);
  });
});
