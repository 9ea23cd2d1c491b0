import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '@reef/store';
import { afterAll, describe, expect, it } from 'vitest';
import { runReef as reef, noise } from './run-reef.js';




/** A checkpoint: a weight matrix drifting by 1% per step, and a bias. */
function checkpoint(step: number): Uint8Array {
  const w = noise(7, 12_000).map((x, i) => 0.05 * x + step * 5e-4 * noise(100 + step, 12_000)[i]);
  const bias = noise(200 + step, 8);
  return writeSafetensors([
    { name: 'w', tensor: { dtype: 'f32', shape: [100, 120], data: new Uint8Array(w.buffer) } },
    { name: 'bias', tensor: { dtype: 'f32', shape: [8], data: new Uint8Array(bias.buffer) } },
  ]);
}

describe('reef commit --max-rel-error (the CLI, in real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-lossy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('commits within the bound, shows the measured errors, counts them in stats, refuses bad options', async () => {
    expect((await reef(['init'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(0));
    await reef(['add', 'model.safetensors'], dir);
    expect((await reef(['commit', '-m', 'base', '--lossless'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(1));
    await reef(['add', 'model.safetensors'], dir);
    const bad = await reef(['commit', '-m', 'x', '--lossless', '--max-rel-error', '1e-3'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--lossless and --max-rel-error exclude each other/);
    const nan = await reef(['commit', '-m', 'x', '--max-rel-error', 'tiny'], dir);
    expect(nan.code).not.toBe(0);
    expect(nan.stderr).toMatch(/--max-rel-error must be a number > 0, got 'tiny'/);
    const c = await reef(['commit', '-m', 'lossy', '--max-rel-error', '1e-2'], dir);
    expect(c.stderr).toBe('');
    expect(c.stdout).toMatch(/max relative error 0\.01: 1 tensor\(s\) stored lossy/);
    const show = await reef(['show'], dir);
    expect(show.stdout).toMatch(/\(lossy; added as sha256 [0-9a-f]{16}\)/);
    expect(show.stdout).toMatch(/ w +f32 +\[100, 120\] .*lossy: max \|err\| \d\.\d\de-\d+, rel L2 \d\.\d\de-\d+/);
    expect((await reef(['stats'], dir)).stdout).toMatch(/lossy, worst rel L2 \d\.\d\de-\d+/);
    expect((await reef(['status'], dir)).stdout).toMatch(/nothing to commit, working files match/);
    expect((await reef(['fsck'], dir)).code).toBe(0);
  }, 300_000); // a dozen reef processes: on a loaded 2-core machine each can take 10 s or more

  it('applies the bound to the first commit of a fresh repository (deltas against zeros)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'reef-cli-lossy-first-'));
    try {
      expect((await reef(['init'], fresh)).code).toBe(0);
      writeFileSync(join(fresh, 'model.safetensors'), checkpoint(0));
      await reef(['add', 'model.safetensors'], fresh);
      const c = await reef(['commit', '-m', 'first', '--max-rel-error', '1e-2'], fresh);
      expect(c.stderr).toBe('');
      expect(c.stdout).toMatch(/max relative error 0\.01: 1 tensor\(s\) stored lossy/);
      const show = await reef(['show'], fresh);
      expect(show.stdout).toMatch(/ w +f32 +\[100, 120\] .* vs zero, .*lossy: max \|err\| \d\.\d\de-\d+, rel L2 \d\.\d\de-\d+/);
      expect((await reef(['gc'], fresh)).code).toBe(0);
      expect((await reef(['fsck'], fresh)).code).toBe(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 300_000); // reef processes, as above
});
