import { Registry, type Tensor } from '@reef/core';
import { float64ToTensor } from '@reef/core/dtype';
import deltaCast from '@reef/delta-cast';
import deltaLossless from '@reef/delta-lossless';
import { copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors, type AddedFile } from '../src/index.js';
import { FIXTURES, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A repository with the delta types the CLI discovers: lossless ones and `cast`. */
function newRepo(): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  registry.use(deltaCast, '@reef/delta-cast');
  const repo = Repository.init(dir, { registry });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

/** Adds and commits one file; returns what the add stored (what `reef stats` counts, per file). */
async function commitFile(repo: Repository, dir: string, from: string, name: string): Promise<AddedFile> {
  copyFileSync(from, join(dir, name));
  const [added] = await repo.add([join(dir, name)]);
  repo.commit(name);
  return added;
}

async function expectExportsExactly(repo: Repository, path: string, original: string): Promise<void> {
  const out = await repo.export('HEAD', { format: 'safetensors', path });
  expect(Buffer.from(out.bytes).equals(readFileSync(original)), `${path} exports byte-exact`).toBe(true);
}

/** Bytes of every file under `dir`, as `reef stats` counts the repository. */
function dirBytes(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? dirBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size;
  return n;
}

/** A checkpoint-sized f32 model (two 256×512 layers and biases): smooth weights of several magnitudes. */
function f32Model(): { name: string; tensor: Tensor }[] {
  const layer = (n: number, seed: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.0137 + seed) * 0.05 + Math.cos(i * 1.91) * 1e-3);
  return [
    { name: 'l0.weight', tensor: float64ToTensor(layer(256 * 512, 1), 'f32', [256, 512]) },
    { name: 'l0.bias', tensor: float64ToTensor(layer(256, 2), 'f32', [256]) },
    { name: 'l1.weight', tensor: float64ToTensor(layer(512 * 256, 3), 'f32', [512, 256]) },
    { name: 'l1.bias', tensor: float64ToTensor(layer(512, 4), 'f32', [512]) },
  ];
}

/** The model cast to a narrower dtype by IEEE round to nearest even (core's, not the plugin's). */
function castModel(model: { name: string; tensor: Tensor }[], dtype: 'bf16' | 'f16' | 'f8e4m3' | 'f8e5m2'): { name: string; tensor: Tensor }[] {
  return model.map(({ name, tensor }) => {
    const v = new Float32Array(tensor.data.buffer.slice(tensor.data.byteOffset, tensor.data.byteOffset + tensor.data.length));
    return { name, tensor: float64ToTensor(Float64Array.from(v), dtype, tensor.shape) };
  });
}

describe('casts at add time', () => {
  it('stores the bf16 and f16 copies of a committed f32 model as casts, each ≤ 1% of its raw size, byte-exact', async () => {
    const { repo, dir } = newRepo();
    const model = f32Model();
    writeFileSync(join(dir, 'f32.src'), writeSafetensors(model));
    await commitFile(repo, dir, join(dir, 'f32.src'), 'model-f32.safetensors');
    for (const dtype of ['bf16', 'f16'] as const) {
      const source = join(dir, `${dtype}.src`);
      writeFileSync(source, writeSafetensors(castModel(model, dtype)));
      const added = await commitFile(repo, dir, source, `model-${dtype}.safetensors`);
      expect(added.encodings).toEqual({ cast: 4 });
      expect(added.storedBytes).toBeLessThanOrEqual(0.01 * added.bytes);
      await expectExportsExactly(repo, `model-${dtype}.safetensors`, source);
    }
    // What `reef stats` counts: every cast object's stored bytes.
    const casts = repo.stats().byEncoding.cast;
    expect(casts.objects).toBe(8);
    expect(casts.storedBytes).toBeLessThanOrEqual(0.01 * casts.rawBytes);
  });

  it('a cast commit under the path of its f32 parent adds under 1% of its raw size to .reef on disk (packs, manifests, commit, indexes)', async () => {
    const { repo, dir } = newRepo();
    const model = f32Model();
    writeFileSync(join(dir, 'f32.src'), writeSafetensors(model));
    await commitFile(repo, dir, join(dir, 'f32.src'), 'model.safetensors');
    for (const dtype of ['bf16', 'f16'] as const) {
      const source = join(dir, `${dtype}.src`);
      writeFileSync(source, writeSafetensors(castModel(model, dtype)));
      const before = dirBytes(join(dir, '.reef'));
      const packsBefore = readdirSync(join(dir, '.reef', 'packs')).length;
      const added = await commitFile(repo, dir, source, 'model.safetensors');
      const grown = dirBytes(join(dir, '.reef')) - before;
      expect(added.encodings).toEqual({ cast: 4 });
      // Measured 2,636 B of 526 kB for bf16 (0.5%): four inline cast payloads in the manifest, the commit record, no HDF5 file, no sketches.
      expect(grown, `${dtype}: .reef grew by ${grown} B for ${added.bytes} B added`).toBeLessThan(0.01 * added.bytes);
      expect(readdirSync(join(dir, '.reef', 'packs')).length).toBe(packsBefore + 1); // a manifest alone
      await expectExportsExactly(repo, 'model.safetensors', source);
    }
    expect((await repo.fsck()).problems).toEqual([]);
  });

  it('finds the f32 fixture as the reference of its bf16 and f16 copies (tiny-mlp), in the parent commit or the staging index', async () => {
    for (const commitBetween of [true, false]) {
      const { repo, dir } = newRepo();
      const add = async (dtype: string): Promise<AddedFile> => {
        const name = `tiny-mlp-${dtype}.safetensors`;
        copyFileSync(join(FIXTURES, name), join(dir, name));
        const [added] = await repo.add([join(dir, name)]);
        if (commitBetween) repo.commit(dtype);
        return added;
      };
      await add('f32');
      for (const dtype of ['bf16', 'f16']) {
        const added = await add(dtype);
        // Six float tensors are casts; the int64 `step` is the f32 file's own (already stored).
        expect(added.encodings).toEqual({ cast: 6 });
        expect(added.reused).toBe(1);
        // Measured: 384 B (bf16) and 378 B (f16) of ~5.4 KB; per tensor, the payload's attributes (~65 B) are the floor.
        expect(added.storedBytes).toBeLessThan(0.08 * added.bytes);
      }
      if (!commitBetween) repo.commit('all three');
      for (const dtype of ['f32', 'bf16', 'f16']) await expectExportsExactly(repo, `tiny-mlp-${dtype}.safetensors`, join(FIXTURES, `tiny-mlp-${dtype}.safetensors`));
    }
  });

  it('codes an f32 model added after its bf16 copy against the widened copy (widen), smaller than alone, byte-exact', async () => {
    const model = f32Model();
    const alone = newRepo();
    writeFileSync(join(alone.dir, 'f32.src'), writeSafetensors(model));
    const first = await commitFile(alone.repo, alone.dir, join(alone.dir, 'f32.src'), 'model-f32.safetensors');
    const { repo, dir } = newRepo();
    writeFileSync(join(dir, 'bf16.src'), writeSafetensors(castModel(model, 'bf16')));
    await commitFile(repo, dir, join(dir, 'bf16.src'), 'model-bf16.safetensors');
    writeFileSync(join(dir, 'f32.src'), writeSafetensors(model));
    const after = await commitFile(repo, dir, join(dir, 'f32.src'), 'model-f32.safetensors');
    expect(after.encodings.widen).toBeGreaterThanOrEqual(2); // the two weight matrices at least
    expect(after.storedBytes).toBeLessThan(first.storedBytes);
    await expectExportsExactly(repo, 'model-f32.safetensors', join(dir, 'f32.src'));
    await expectExportsExactly(repo, 'model-bf16.safetensors', join(dir, 'bf16.src'));
  });

  it('stores the f32 copy of an f64 model as a cast (tiny-mlp f64 → f32)', async () => {
    const { repo, dir } = newRepo();
    await commitFile(repo, dir, join(FIXTURES, 'tiny-mlp-f64.safetensors'), 'tiny-mlp-f64.safetensors');
    const added = await commitFile(repo, dir, join(FIXTURES, 'tiny-mlp-f32.safetensors'), 'tiny-mlp-f32.safetensors');
    expect(added.encodings.cast).toBe(6);
    await expectExportsExactly(repo, 'tiny-mlp-f32.safetensors', join(FIXTURES, 'tiny-mlp-f32.safetensors'));
  });

  it('one path replaced by f32, its bf16 cast, its f16 cast, then an f32 update: each finds the f32 commits back (not only in the parent)', async () => {
    const { repo, dir } = newRepo();
    const model = f32Model();
    // The update: every weight moved a little, as an epoch or a fine-tune does.
    const moved = model.map(({ name, tensor }) => {
      const v = new Float32Array(tensor.data.buffer.slice(tensor.data.byteOffset, tensor.data.byteOffset + tensor.data.length));
      return { name, tensor: { ...tensor, data: new Uint8Array(v.map((x, i) => x * (1 + 1e-3 * Math.sin(i))).buffer) } };
    });
    const versions = [
      ['f32', writeSafetensors(model)],
      ['bf16', writeSafetensors(castModel(model, 'bf16'))],
      ['f16', writeSafetensors(castModel(model, 'f16'))],
      ['f32 update', writeSafetensors(moved)],
    ] as const;
    const added: AddedFile[] = [];
    for (const [label, bytes] of versions) {
      writeFileSync(join(dir, 'src'), bytes);
      added.push(await commitFile(repo, dir, join(dir, 'src'), 'model.safetensors'));
      expect(added.at(-1)!.bytes, label).toBe(bytes.length);
    }
    // The f16 cast's parent holds the bf16 copy (same width): its f32 reference is two commits back.
    expect(added[1].encodings).toEqual({ cast: 4 });
    expect(added[2].encodings).toEqual({ cast: 4 });
    // The update's parent holds f16: its f32 namesake is three commits back, and it is coded against
    // it exactly as when committed straight after it.
    const control = newRepo();
    for (const bytes of [versions[0][1], versions[3][1]]) {
      writeFileSync(join(control.dir, 'src'), bytes);
      added.push(await commitFile(control.repo, control.dir, join(control.dir, 'src'), 'model.safetensors'));
    }
    expect(added[3].encodings).toEqual(added[5].encodings);
    expect(added[3].storedBytes).toBe(added[5].storedBytes);
    expect(added[3].storedBytes).toBeLessThan(0.8 * added[0].storedBytes);
    for (const [k, [label, bytes]] of versions.entries()) {
      const out = await repo.export(`HEAD~${versions.length - 1 - k}`, { format: 'safetensors', path: 'model.safetensors' });
      expect(Buffer.from(out.bytes).equals(Buffer.from(bytes)), `${label} exports byte-exact`).toBe(true);
    }
  });

  it('stores F8_E4M3 and F8_E5M2 copies of a committed f32 model as casts, and an f32 after its fp8 copy as widen, byte-exact', async () => {
    const { repo, dir } = newRepo();
    const model = f32Model();
    writeFileSync(join(dir, 'f32.src'), writeSafetensors(model));
    await commitFile(repo, dir, join(dir, 'f32.src'), 'model-f32.safetensors');
    for (const [dtype, name] of [['f8e4m3', 'F8_E4M3'], ['f8e5m2', 'F8_E5M2']] as const) {
      const bytes = writeSafetensors(castModel(model, dtype));
      expect(Buffer.from(bytes).toString('latin1')).toContain(`"dtype":"${name}"`);
      writeFileSync(join(dir, `${dtype}.src`), bytes);
      const added = await commitFile(repo, dir, join(dir, `${dtype}.src`), `model-${dtype}.safetensors`);
      expect(added.encodings).toEqual({ cast: 4 });
      expect(added.storedBytes).toBeLessThan(0.01 * added.bytes);
      await expectExportsExactly(repo, `model-${dtype}.safetensors`, join(dir, `${dtype}.src`));
    }
    const reverse = newRepo();
    writeFileSync(join(reverse.dir, 'f8.src'), writeSafetensors(castModel(model, 'f8e5m2')));
    await commitFile(reverse.repo, reverse.dir, join(reverse.dir, 'f8.src'), 'model-f8.safetensors');
    const after = await commitFile(reverse.repo, reverse.dir, join(dir, 'f32.src'), 'model-f32.safetensors');
    expect(after.encodings.widen).toBeGreaterThanOrEqual(2);
    await expectExportsExactly(reverse.repo, 'model-f32.safetensors', join(dir, 'f32.src'));
  });
});
