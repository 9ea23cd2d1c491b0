import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ReefPluginModule, Tensor } from '@reef/core';
import { measureError, tensorToFloat64 } from '@reef/core/delta';
import { parseSafetensors, writeSafetensors } from '@reef/store';
import { describeDeltaTypeContract } from '@reef/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runReef as reef, noise } from './run-reef.js';

/**
 * A third-party lossy delta type (fixtures/third-party-delta: plain JavaScript, depending on
 * @reef/core alone) installed in a folder outside the repository, with the workspace build of
 * @reef/core copied into its node_modules as `npm install` would put it there (package.json and
 * dist only: the entries it imports need nothing else). It must pass the testkit's contract and be
 * chosen by `reef commit --max-rel-error` exactly where it is the smallest encoding within the bound.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');

const outside = mkdtempSync(join(tmpdir(), 'reef-third-party-delta-'));
const pluginDir = join(outside, 'reef-delta-constant-offset');
cpSync(join(repoRoot, 'fixtures/third-party-delta'), pluginDir, { recursive: true });
const installedCore = join(pluginDir, 'node_modules/@reef/core');
mkdirSync(installedCore, { recursive: true });
cpSync(join(repoRoot, 'packages/core/package.json'), join(installedCore, 'package.json'));
cpSync(join(repoRoot, 'packages/core/dist'), join(installedCore, 'dist'), { recursive: true });
const plugin = ((await import(pathToFileURL(join(pluginDir, 'index.js')).href)) as { default: ReefPluginModule }).default;

afterAll(() => rmSync(outside, { recursive: true, force: true }));



const f32 = (shape: number[], values: Float32Array): Tensor => ({ dtype: 'f32', shape, data: new Uint8Array(values.buffer) });
const N = 64 * 64;
const base = { shifted: noise(1, N).map((x) => 0.05 * x), drift: noise(2, N).map((x) => 0.05 * x), broken: noise(5, N).map((x) => 0.05 * x) };

/**
 * The second checkpoint: `shifted` moved by a constant 0.01 plus noise of relative size ~2e-5 (the
 * noise defeats lossless deltas, the constant is one number), `drift` by a random 10% drift, which
 * no constant approximates within 1e-3, and `broken` gained a NaN, which every lossy type refuses
 * (the plugin's refusal is a ReefError from its own copy of @reef/core: the store must still
 * recognise it as a refusal and keep the tensor lossless, not abort the commit).
 */
const next = {
  shifted: base.shifted.map((x, i) => x + 0.01 + 1e-6 * noise(3, N)[i]),
  drift: base.drift.map((x, i) => x + 0.005 * noise(4, N)[i]),
  broken: base.broken.map((x, i) => (i === 5 ? NaN : x + 0.001 * noise(6, N)[i])),
};
const checkpoint = (t: typeof base): Uint8Array => writeSafetensors([
  { name: 'shifted', tensor: f32([64, 64], t.shifted) },
  { name: 'drift', tensor: f32([64, 64], t.drift) },
  { name: 'broken', tensor: f32([64, 64], t.broken) },
]);

// On arbitrary data a constant offset only promises to beat storing no change (the mean delta
// minimises ‖delta − c‖), so the contract's error allowance is that of 'no change'.
describeDeltaTypeContract({ plugin, id: 'constant-offset', maxRelativeError: 1 });

describe('a third-party lossy delta type, outside the repository, in real reef processes', () => {
  const dir = mkdtempSync(join(outside, 'repo-'));
  const withPlugin = (args: string[]) => reef(['--plugin', pluginDir, ...args], dir);

  it('registers through --plugin', async () => {
    const listed = await withPlugin(['plugins']);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toMatch(/constant-offset/);
  });

  it('is chosen by commit --max-rel-error where it is the smallest within the bound, and not elsewhere', async () => {
    expect((await reef(['init'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(base));
    expect((await withPlugin(['add', 'model.safetensors'])).code).toBe(0);
    expect((await withPlugin(['commit', '-m', 'base', '--lossless'])).code).toBe(0);
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(next));
    expect((await withPlugin(['add', 'model.safetensors'])).code).toBe(0);
    const commit = await withPlugin(['commit', '-m', 'shifted', '--max-rel-error', '1e-3']);
    expect(commit.stderr).toBe('');
    expect(commit.code).toBe(0);
    expect(commit.stdout).toMatch(/^ +constant-offset: 1 tensor\(s\), worst relative L2 \d\.\d\de-\d+$/m);

    const show = await withPlugin(['show']);
    const line = (name: string) => show.stdout.split('\n').find((l) => l.trimStart().startsWith(`${name} `)) ?? '';
    expect(line('shifted')).toMatch(/ constant-offset vs [0-9a-f]+, .*lossy: max \|err\| /);
    expect(line('drift')).toMatch(/f32 +\[64, 64\]/);
    expect(line('drift')).not.toMatch(/constant-offset/);
    expect(line('broken')).toMatch(/f32 +\[64, 64\]/);
    expect(line('broken')).not.toMatch(/lossy/);

    // A fresh process decodes it within the bound, with the plugin; without it, the error names the type.
    const out = join(dir, 'out.safetensors');
    const exported = await withPlugin(['export', 'HEAD', '--format', 'safetensors', '-o', out]);
    expect(exported.stderr).toBe('');
    const tensors = new Map(parseSafetensors(new Uint8Array(readFileSync(out)), 'export').tensors.map((t) => [t.name, t.tensor]));
    const shifted = measureError(Float64Array.from(next.shifted), tensorToFloat64(tensors.get('shifted')!));
    expect(shifted.relL2).toBeGreaterThan(0);
    expect(shifted.relL2).toBeLessThanOrEqual(1e-3);
    expect(measureError(Float64Array.from(next.drift), tensorToFloat64(tensors.get('drift')!)).relL2).toBeLessThanOrEqual(1e-3);
    expect(Buffer.from(tensors.get('broken')!.data).equals(Buffer.from(next.broken.buffer))).toBe(true);
    expect((await withPlugin(['fsck'])).code).toBe(0);
    const without = await reef(['export', 'HEAD', '--format', 'safetensors', '-o', join(dir, 'x.safetensors')], dir);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/constant-offset/);
  }, 180_000);
});
