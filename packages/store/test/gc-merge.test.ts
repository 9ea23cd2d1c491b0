import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { losslessRegistry, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A small checkpoint: one weight that drifts with `step`, and a step counter. */
function checkpoint(step: number): Uint8Array {
  const w = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.37) * 0.05 + step * 1e-4 * Math.cos(i * 1.3 + step));
  return writeSafetensors([
    { name: 'w', tensor: { dtype: 'f32', shape: [3000], data: new Uint8Array(w.buffer) } },
    { name: 'step', tensor: { dtype: 'i64', shape: [], data: new Uint8Array(new BigInt64Array([BigInt(step)]).buffer) } },
  ]);
}

const packCount = (dir: string): number => readdirSync(join(dir, '.reef', 'packs')).filter((f) => f.endsWith('.h5')).length;

describe('gc merges small packs', () => {
  it('after several small commits, leaves fewer packs and every commit still exports byte-exact', async () => {
    const { dir, cleanup } = tempDir();
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    cleanups.push(() => {
      repo.close();
      cleanup();
    });
    const file = join(dir, 'model.safetensors');
    const versions: Uint8Array[] = [];
    for (let step = 0; step < 5; step++) {
      versions.push(checkpoint(step));
      writeFileSync(file, versions[step]);
      await repo.add([file]);
      repo.commit(`step ${step}`);
    }
    expect(packCount(dir)).toBe(5); // one pack per add
    const gc = await repo.gc();
    expect(gc.packsMerged).toBe(5);
    expect(packCount(dir)).toBe(1);
    expect(readdirSync(join(dir, '.reef', 'packs')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect((await repo.fsck()).problems).toEqual([]);
    for (let step = 0; step < 5; step++) {
      const out = await repo.export(`HEAD~${4 - step}`, { format: 'safetensors' });
      expect(Buffer.from(out.bytes).equals(Buffer.from(versions[step])), `step ${step}`).toBe(true);
    }
    // A fresh process sees the same: nothing lived only in this one's memory.
    const again = Repository.open(dir, { registry: losslessRegistry() });
    cleanups.unshift(() => again.close());
    expect(Buffer.from((await again.export('HEAD~4', { format: 'safetensors' })).bytes).equals(Buffer.from(versions[0]))).toBe(true);
    expect((await again.gc()).packsMerged).toBe(0); // one pack left: nothing to merge
    expect(readFileSync(file).equals(Buffer.from(versions[4]))).toBe(true);
  });
});
