import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededVectors } from '@reef/testkit';
import { Repository, SimilarityIndex, signature, tensorHash, writeSafetensors } from '../src/index.js';
import { tempDir, losslessRegistry } from './helpers.js';

const SHAPE = [256, 64];
const N = 256 * 64;

/** Weight-like values from testkit's seeded generator (so an unrelated tensor is really unrelated). */
const gaussian = (seed: number, n: number, scale: number): Float32Array => seededVectors(n, 1, { seed, scale }).data;

const base = gaussian(1, N, 0.05);
const similar = base.map((x, i) => x + 0.001 * Math.sin(i * 0.7)); // fine-tuned: 2% of the weight scale
const unrelated = gaussian(99, N, 0.05);
const tensor = (v: Float32Array) => ({ dtype: 'f32' as const, shape: SHAPE, data: new Uint8Array(v.buffer) });

describe('similarity index (LSH over sketches, persisted)', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  const indexPath = join(dir, '.reef', 'similarity.json');

  it('finds a similar tensor of another name as the reference, not an unrelated one, and survives reopening', async () => {
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    writeFileSync(join(dir, 'base.safetensors'), writeSafetensors([{ name: 'encoder.weight', tensor: tensor(base) }]));
    await repo.add(['base.safetensors'], { cwd: dir });
    repo.commit('base model');
    repo.close();

    // A fresh process's view: the index is read back from the repository, buckets included.
    const saved = JSON.parse(readFileSync(indexPath, 'utf8')) as { version: number; entries: { hash: string }[]; buckets: Record<string, number[]> };
    expect(saved.version).toBe(3);
    const position = saved.entries.findIndex((e) => e.hash === tensorHash(tensor(base)));
    expect(Object.values(saved.buckets).filter((members) => members.includes(position))).toHaveLength(16); // one bucket per band
    const index = new SimilarityIndex(indexPath);
    expect(index.loaded).toBe(true);
    expect(index.nearest(tensor(similar))).toEqual([tensorHash(tensor(base))]);
    expect(index.nearest(tensor(unrelated))).toEqual([]);

    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    writeFileSync(
      join(dir, 'variant.safetensors'),
      writeSafetensors([
        { name: 'finetuned.proj', tensor: tensor(similar) },
        { name: 'head.weight', tensor: tensor(unrelated) },
      ]),
    );
    const [report] = await reopened.add(['variant.safetensors'], { cwd: dir });
    const similarInfo = reopened.objects.info(tensorHash(tensor(similar)));
    const unrelatedInfo = reopened.objects.info(tensorHash(tensor(unrelated)));
    expect(similarInfo?.reference).toBe(tensorHash(tensor(base)));
    expect(similarInfo?.encoding).not.toBe('whole');
    expect(similarInfo!.storedBytes).toBeLessThan(unrelatedInfo!.storedBytes * 0.85); // the delta pays (measured by the encoder)
    expect(unrelatedInfo?.reference).toBeUndefined();
    expect(unrelatedInfo?.encoding).toBe('whole');
    expect(report.encodings.whole).toBe(1);
    reopened.commit('variant');
    const out = await reopened.export('HEAD', { format: 'safetensors', path: 'variant.safetensors' });
    expect(Buffer.from(out.bytes).equals(readFileSync(join(dir, 'variant.safetensors')))).toBe(true);
    reopened.close();
    expect(new SimilarityIndex(indexPath).size).toBe(3);
  });

  it('indexes a tensor looked up first with the sketch of its current bytes, as without the lookup', () => {
    const { dir, cleanup } = tempDir();
    try {
      const direct = new SimilarityIndex(join(dir, 'a.json'));
      const looked = new SimilarityIndex(join(dir, 'b.json'));
      for (const v of [base, unrelated]) {
        const t = tensor(v);
        direct.add(tensorHash(t), t);
        looked.nearest(t);
        looked.add(tensorHash(t), t);
      }
      direct.save();
      looked.save();
      expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(readFileSync(join(dir, 'a.json'), 'utf8'));
      // A lookup's sketch is reused only for the same dtype and size (the same bytes viewed otherwise are sketched anew).
      const t = tensor(similar.slice());
      const asOther = { dtype: 'i32' as const, shape: SHAPE, data: t.data };
      looked.nearest(t);
      looked.add('other', asOther);
      looked.save();
      const entry = (JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as { entries: { hash: string; signature: string }[] }).entries.find((e) => e.hash === 'other');
      expect(entry?.signature).toBe(signature(asOther));
      expect(signature(asOther)).not.toBe(signature(t));
    } finally {
      cleanup();
    }
  });

  it('sees what another instance added between two adds of one instance (the kept index is re-read)', async () => {
    const { dir: root, cleanup } = tempDir();
    try {
      const a = Repository.init(root, { registry: losslessRegistry() });
      const b = Repository.open(root, { registry: losslessRegistry() });
      const file = (name: string, v: Float32Array): string => {
        writeFileSync(join(root, `${name}.safetensors`), writeSafetensors([{ name, tensor: tensor(v) }]));
        return `${name}.safetensors`;
      };
      await a.add([file('one', base)], { cwd: root });
      await b.add([file('two', unrelated)], { cwd: root });
      await a.add([file('three', similar)], { cwd: root });
      expect(a.objects.info(tensorHash(tensor(similar)))?.reference).toBe(tensorHash(tensor(base)));
      a.close();
      b.close();
      const index = new SimilarityIndex(join(root, '.reef', 'similarity.json'));
      for (const v of [base, unrelated, similar]) expect(index.has(tensorHash(tensor(v)))).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('is rebuilt by fsck and by gc when missing', async () => {
    rmSync(indexPath);
    const repo = Repository.open(dir, { registry: losslessRegistry() });
    const fsck = await repo.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.rebuilt).toEqual(['similarity index (3 tensors)']);
    const near = new SimilarityIndex(indexPath).nearest(tensor(similar), 2);
    expect([...near].sort()).toEqual([tensorHash(tensor(similar)), tensorHash(tensor(base))].sort()); // itself and its reference
    writeFileSync(indexPath, '{ not json');
    await repo.gc();
    const rebuilt = new SimilarityIndex(indexPath);
    expect(rebuilt.loaded).toBe(true);
    expect(rebuilt.size).toBe(3);
    expect((await repo.fsck()).rebuilt).toEqual([]);
    expect(existsSync(indexPath)).toBe(true);
    repo.close();
  });
});
