import { Registry, type Tensor } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaQuantized from '@reef/delta-quantized';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function newRepo(): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  registry.use(deltaQuantized, '@reef/delta-quantized');
  const repo = Repository.init(dir, { registry });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

/** Smooth seeded weights, nudged by `step` (a fine-tune of the step before). */
function model(step: number): Uint8Array {
  const w = (n: number, seed: number): Tensor => {
    const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.05 + step * 2e-3 * Math.cos(i * 1.7 + seed * step));
    return { dtype: 'f32', shape: [n], data: new Uint8Array(v.buffer) };
  };
  return writeSafetensors([{ name: 'fc.weight', tensor: w(8192, 1) }, { name: 'fc2.weight', tensor: w(4096, 2) }]);
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('what an export says about itself', () => {
  it('is identical only when the written file hashes like the added one; a lossy export reports its bound and worst error', async () => {
    const { repo, dir } = newRepo();
    const file = join(dir, 'model.safetensors');
    writeFileSync(file, model(0));
    await repo.add([file]);
    repo.commit('base');
    const added0 = sha256(file);
    writeFileSync(file, model(1));
    await repo.add([file]);
    const { quality } = await repo.commitLossy('fine-tuned', { maxRelError: 1e-3 });
    expect(quality.lossy.length).toBeGreaterThan(0); // the test needs a commit that really is lossy

    const lossless = await repo.exportTo('HEAD~1', join(dir, 'base.safetensors'), { format: 'safetensors' });
    expect(lossless.identical).toBe(true);
    expect(sha256(join(dir, 'base.safetensors'))).toBe(added0);
    expect(lossless.loss).toBeUndefined();

    const lossy = await repo.exportTo('HEAD', join(dir, 'tuned.safetensors'), { format: 'safetensors' });
    expect(lossy.verbatim).toBe(true); // same layout as the added file ...
    expect(lossy.identical).toBe(false); // ... but not its bytes
    expect(sha256(join(dir, 'tuned.safetensors'))).not.toBe(sha256(file));
    expect(lossy.loss).toEqual({
      tensors: quality.lossy.length,
      of: 2,
      maxRelError: 1e-3,
      relL2: Math.max(...quality.lossy.map((r) => r.relL2)),
      maxAbs: Math.max(...quality.lossy.map((r) => r.maxAbs)),
    });
    const converted = await repo.exportTo('HEAD', join(dir, 'tuned.npz'), { format: 'npz' });
    expect(converted.identical).toBe(false);
    expect(converted.loss?.tensors).toBe(quality.lossy.length);
  });
});
