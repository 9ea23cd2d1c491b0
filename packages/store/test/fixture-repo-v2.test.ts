import { Registry } from '@reef/core';
import deltaCast from '@reef/delta-cast';
import deltaLossless from '@reef/delta-lossless';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository } from '../src/index.js';
import { FIXTURES, tempDir } from './helpers.js';

/**
 * fixtures/store-repo-v2 was written by the store before pack manifest format 2
 * and commit format 2 (scripts/make-store-fixture-v2.mjs, run at commit fe69e15): every object in its pack's HDF5 file,
 * cast payloads as HDF5 groups, manifests without a format number. Later code must open it, verify
 * it, give back every file, and keep working on it (add, gc) with the newer layout beside the old.
 */
const FIXTURE = join(FIXTURES, 'store-repo-v2');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'EXPECTED.json'), 'utf8')) as { commits: { hash: string; message: string; files: Record<string, string> }[] };
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function openCopy(): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  cpSync(join(FIXTURE, 'reef'), join(dir, '.reef'), { recursive: true });
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  registry.use(deltaCast, '@reef/delta-cast');
  const repo = Repository.open(dir, { registry });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

async function expectEveryCommitExact(repo: Repository): Promise<void> {
  for (const c of expected.commits) {
    for (const [path, sha] of Object.entries(c.files)) {
      const out = await repo.export(c.hash, { format: 'safetensors', path });
      expect(sha256(out.bytes), `${c.message}: ${path}`).toBe(sha);
    }
  }
}

describe('a repository written before pack manifest format 2', () => {
  it('opens, passes fsck and exports every commit byte-exact', async () => {
    const { repo } = openCopy();
    expect(repo.log().map((c) => c.hash)).toEqual(expected.commits.map((c) => c.hash).reverse());
    const fsck = await repo.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.objects).toBe(25);
    await expectEveryCommitExact(repo);
  });

  it('takes new commits in the current layout beside the old packs, and gc merges both', async () => {
    const { repo, dir } = openCopy();
    copyFileSync(join(FIXTURES, 'tiny-mlp-bf16.safetensors'), join(dir, 'again-bf16.safetensors'));
    await repo.add(['again-bf16.safetensors'], { cwd: dir }); // every tensor already stored
    // The f32 model with its last element changed: one new object, written in the current layout.
    const changed = readFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'));
    changed[changed.length - 2] ^= 0x40;
    writeFileSync(join(dir, 'model.safetensors'), changed);
    const [added] = await repo.add(['model.safetensors'], { cwd: dir });
    expect(Object.values(added.encodings).reduce((a, b) => a + b, 0)).toBe(1);
    const c = repo.commit('f32 again, and a bf16 copy under another name');
    const packsBefore = readdirSync(join(dir, '.reef', 'packs')).filter((f) => f.endsWith('.json')).length;
    const gc = await repo.gc();
    expect(gc.packsMerged).toBeGreaterThan(1);
    expect(readdirSync(join(dir, '.reef', 'packs')).filter((f) => f.endsWith('.json')).length).toBeLessThan(packsBefore);
    expect((await repo.fsck()).problems).toEqual([]);
    await expectEveryCommitExact(repo);
    const out = await repo.export(c.hash, { format: 'safetensors', path: 'again-bf16.safetensors' });
    expect(Buffer.from(out.bytes).equals(readFileSync(join(FIXTURES, 'tiny-mlp-bf16.safetensors')))).toBe(true);
    expect(Buffer.from((await repo.export(c.hash, { format: 'safetensors', path: 'model.safetensors' })).bytes).equals(changed)).toBe(true);
  });
});
