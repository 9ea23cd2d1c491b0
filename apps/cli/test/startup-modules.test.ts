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
const recorder = resolve(here, 'loads/record-loads.mjs');
const FIXTURES = resolve(here, '../../../fixtures');

/** Modules no read-only command may load: h5wasm (and the packages that bring it), plugins, metrics. */
const HEAVY = /h5wasm|\/packages\/(hdf5|datasets|metrics)\/|\/plugins\/|@reef\/(quantizer|delta)-/;

async function reef(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [...(env.REEF_LOAD_LOG ? ['--import', recorder] : []), bin, ...args], { cwd, env: { ...process.env, ...env } });
  return stdout;
}

describe('reef start-up: read-only commands load only what they use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-startup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('status, log, show, branch and tag load no h5wasm, no plugin and no metrics module', async () => {
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
