import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Repository, safetensorsHeader } from '../src/index.js';
import { tempDir, losslessRegistry } from './helpers.js';

const ELEMENTS = 32 * 1024;

/** A checkpoint of two f32 tensors that drift a little with `step`, as a training run's do. */
function checkpoint(step: number): Uint8Array {
  const a = new Float32Array(ELEMENTS).map((_, i) => Math.sin(i * 0.01) + step * 1e-3 * Math.cos(i));
  const b = new Float32Array(ELEMENTS).map((_, i) => Math.cos(i * 0.02) - step * 1e-3 * Math.sin(i * 3));
  const header = safetensorsHeader([
    { name: 'a', dtype: 'f32', shape: [ELEMENTS], byteLength: ELEMENTS * 4 },
    { name: 'b', dtype: 'f32', shape: [ELEMENTS], byteLength: ELEMENTS * 4 },
  ]);
  return Buffer.concat([header, new Uint8Array(a.buffer), new Uint8Array(b.buffer)]);
}

const cacheDir = (dir: string): string => join(dir, '.reef', 'cache', 'latest');
const listed = (dir: string): Record<string, string[]> => JSON.parse(readFileSync(join(cacheDir(dir), 'paths.json'), 'utf8'));

/** add + commit of `bytes` as `path` in a freshly opened repository (no tensors decoded in memory yet). */
async function commitIn(dir: string, path: string, bytes: Uint8Array, message: string): Promise<Record<string, number>> {
  writeFileSync(join(dir, path), bytes);
  const repo = Repository.open(dir, { registry: losslessRegistry() });
  try {
    const [added] = await repo.add([path], { cwd: dir });
    repo.commit(message);
    return added.encodings;
  } finally {
    repo.close();
  }
}

async function exportsExact(dir: string, path: string, versions: Uint8Array[]): Promise<boolean> {
  const repo = Repository.open(dir, { registry: losslessRegistry() });
  try {
    for (const [k, bytes] of versions.entries()) {
      const out = await repo.export(`HEAD~${versions.length - 1 - k}`, { format: 'safetensors', path });
      if (!Buffer.from(out.bytes).equals(Buffer.from(bytes))) return false;
    }
    return true;
  } finally {
    repo.close();
  }
}

describe('raw copies of the latest added tensors (.reef/cache/latest)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('hold the tensors of each file\'s latest add, outside bytesOnDisk; replaced ones are deleted', async () => {
    const dir = join(tmp.dir, 'kept');
    Repository.init(dir, { registry: losslessRegistry() }).close();
    await commitIn(dir, 'model.safetensors', checkpoint(0), 'e0');
    await commitIn(dir, 'other.safetensors', checkpoint(7), 'o');
    const first = listed(dir)['model.safetensors'];
    expect(first).toHaveLength(2);
    await commitIn(dir, 'model.safetensors', checkpoint(1), 'e1');
    const list = listed(dir);
    expect(Object.keys(list).sort()).toEqual(['model.safetensors', 'other.safetensors']);
    const files = readdirSync(cacheDir(dir)).filter((f) => f !== 'paths.json').sort();
    expect(files).toEqual([...list['model.safetensors'], ...list['other.safetensors']].sort());
    for (const h of first) expect(files).not.toContain(h);
    const repo = Repository.open(dir, { registry: losslessRegistry() });
    const stats = repo.stats();
    repo.close();
    expect(stats.cacheBytes).toBeGreaterThanOrEqual(4 * ELEMENTS * 4);
    expect(Object.keys(stats.breakdown.other)).not.toContain('cache');
  });

  it('a damaged or deleted copy is never used: the next add decodes the chain, and every commit exports byte-exact', async () => {
    const dir = join(tmp.dir, 'damaged');
    Repository.init(dir, { registry: losslessRegistry() }).close();
    const versions = [0, 1, 2, 3].map(checkpoint);
    expect(await commitIn(dir, 'model.safetensors', versions[0], 'e0')).toEqual({ whole: 2 });
    expect(Object.keys(await commitIn(dir, 'model.safetensors', versions[1], 'e1'))).not.toContain('whole');
    // Same length, other bytes: the hash check must reject it.
    for (const h of listed(dir)['model.safetensors']) {
      const path = join(cacheDir(dir), h);
      const bytes = readFileSync(path);
      bytes[100] ^= 0x40;
      writeFileSync(path, bytes);
    }
    expect(Object.keys(await commitIn(dir, 'model.safetensors', versions[2], 'e2'))).not.toContain('whole');
    rmSync(join(dir, '.reef', 'cache'), { recursive: true });
    expect(Object.keys(await commitIn(dir, 'model.safetensors', versions[3], 'e3'))).not.toContain('whole');
    expect(existsSync(cacheDir(dir))).toBe(true);
    expect(await exportsExact(dir, 'model.safetensors', versions)).toBe(true);
  });
});
