import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Repository, safetensorsHeader } from '../src/index.js';
import { tempDir, losslessRegistry } from './helpers.js';

const ELEMENTS = 64 * 1024; // 256 KiB of f32: above scratch memory's 64 KiB floor, so reads are pooled

/** A checkpoint whose two tensors drift a little with `step`, as a training run's do. */
function checkpoint(step: number): Uint8Array {
  const a = new Float32Array(ELEMENTS);
  const b = new Float32Array(ELEMENTS);
  for (let i = 0; i < ELEMENTS; i++) {
    a[i] = Math.sin(i * 0.01) + step * 1e-3 * Math.cos(i);
    b[i] = Math.cos(i * 0.02) - step * 1e-3 * Math.sin(i * 3);
  }
  const header = safetensorsHeader([
    { name: 'a', dtype: 'f32', shape: [ELEMENTS], byteLength: ELEMENTS * 4 },
    { name: 'b', dtype: 'f32', shape: [ELEMENTS], byteLength: ELEMENTS * 4 },
  ]);
  const out = new Uint8Array(header.length + 2 * ELEMENTS * 4);
  out.set(header);
  out.set(new Uint8Array(a.buffer), header.length);
  out.set(new Uint8Array(b.buffer), header.length + ELEMENTS * 4);
  return out;
}

describe('memory reused across adds', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('recycles a replaced reference, never a tensor get() handed out; every commit exports byte-exact', async () => {
    const dir = join(tmp.dir, 'series');
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    const files = Array.from({ length: 6 }, (_, k) => checkpoint(k));
    const held: { data: Uint8Array; copy: Uint8Array }[] = [];
    for (const [k, bytes] of files.entries()) {
      writeFileSync(join(dir, 'model.safetensors'), bytes);
      const [added] = await repo.add(['model.safetensors'], { cwd: dir });
      expect(added.reused).toBe(0);
      const c = repo.commit(`step ${k}`);
      if (k === 1) {
        // Handed out while cached (the add's own read): the next adds drop it from the cache but
        // must not read the following checkpoints into its memory.
        const t = await repo.objects.get(c.tree['model.safetensors'].tensors[0].hash);
        held.push({ data: t.data, copy: t.data.slice() });
      }
    }
    for (const h of held) expect(Buffer.from(h.data).equals(Buffer.from(h.copy))).toBe(true);
    // Deltas were written against references whose memory was then reused: exports decode from the packs.
    repo.close();
    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    for (const [k, bytes] of files.entries()) {
      const { bytes: out } = await reopened.export(`HEAD~${files.length - 1 - k}`, { format: 'safetensors' });
      expect(Buffer.from(out).equals(Buffer.from(bytes)), `checkpoint ${k}`).toBe(true);
    }
    reopened.close();
  });

  it('an add of the same file twice reuses its tensors and gives their fresh reads back', async () => {
    const dir = join(tmp.dir, 'again');
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(0));
    await repo.add(['model.safetensors'], { cwd: dir });
    const c = repo.commit('one');
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(0));
    const [again] = await repo.add(['model.safetensors'], { cwd: dir });
    expect(again.reused).toBe(2);
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(3));
    await repo.add(['model.safetensors'], { cwd: dir });
    repo.commit('two');
    const { bytes } = await repo.export(c.hash, { format: 'safetensors' });
    expect(Buffer.from(bytes).equals(Buffer.from(checkpoint(0)))).toBe(true);
    repo.close();
  });
});
