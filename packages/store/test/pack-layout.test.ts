import { h5wasm, openH5, type H5Group } from '@reef/hdf5';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import type { ObjectAttribute } from '../src/object-format.js';
import { textAttribute } from '../src/pack-file.js';
import { tempDir, losslessRegistry } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function weights(n: number, step: number): Uint8Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37) * 0.05 + step * 1e-4 * Math.cos(i * 1.3 + step);
  return new Uint8Array(v.buffer);
}

type WholeDataset = InstanceType<typeof h5wasm.Dataset>;

/**
 * Takes every whole tensor's `object` attribute off its dataset in a repository's packs and hands
 * it to `write`, which puts back what it likes; returns the attributes as found.
 */
async function replaceObjectAttributes(dir: string, write: (ds: WholeDataset, attribute: ObjectAttribute) => void): Promise<ObjectAttribute[]> {
  const found: ObjectAttribute[] = [];
  const packs = join(dir, '.reef', 'packs');
  for (const f of readdirSync(packs).filter((x) => x.endsWith('.h5'))) {
    const file = await openH5(join(packs, f), 'a');
    const weightsGroup = file.get('weights') as H5Group;
    for (const name of weightsGroup.keys()) {
      const ds = weightsGroup.get(name) as WholeDataset;
      const attribute = JSON.parse(String(ds.attrs.object.value)) as ObjectAttribute;
      found.push(attribute);
      ds.delete_attribute('object');
      write(ds, attribute);
    }
    file.close();
  }
  return found;
}

/**
 * Rewrites every whole tensor's `object` attribute into an older layout: 'planes' (one JSON
 * attribute plus the per-object descriptive ones) or 'three' (plane_lengths, plane_deflated,
 * bit_layout), as packs written before them carry.
 */
async function downgrade(dir: string, layout: 'planes' | 'three'): Promise<number> {
  const rewritten = await replaceObjectAttributes(dir, (ds, attribute) => {
    const planes = attribute.planes!;
    if (layout === 'planes') textAttribute(ds, 'planes', JSON.stringify(planes));
    else {
      textAttribute(ds, 'plane_lengths', JSON.stringify(planes.lengths));
      textAttribute(ds, 'plane_deflated', JSON.stringify(planes.deflated));
      textAttribute(ds, 'bit_layout', planes.layout);
    }
    textAttribute(ds, 'tensor_dtype', attribute.dtype);
    textAttribute(ds, 'tensor_shape', JSON.stringify(attribute.shape));
  });
  return rewritten.length;
}

/** Rewrites the `object` attribute of every whole tensor; returns the attributes as found. */
function rewriteObjects(dir: string, change: (attribute: ObjectAttribute) => ObjectAttribute): Promise<ObjectAttribute[]> {
  return replaceObjectAttributes(dir, (ds, attribute) => textAttribute(ds, 'object', JSON.stringify(change(attribute))));
}

describe('pack layouts', () => {
  it('reads packs of the older attribute layouts: every commit still exports byte-exact and fsck is clean', async () => {
    for (const layout of ['planes', 'three'] as const) {
      const { dir, cleanup } = tempDir();
      cleanups.push(cleanup);
      const repo = Repository.init(dir, { registry: losslessRegistry() });
      const files: Uint8Array[] = [];
      for (let step = 0; step < 3; step++) {
        files.push(writeSafetensors([
          { name: 'w', tensor: { dtype: 'f32', shape: [3000], data: weights(3000, step) } }, // under the context coder's minimum: older layouts had no context-coded planes
          { name: 'b', tensor: { dtype: 'f32', shape: [500], data: weights(500, step) } }, // 2,000 B: whole untried, in the HDF5 file (above the inline limit)
        ]));
        writeFileSync(join(dir, 'm.safetensors'), files[step]);
        await repo.add(['m.safetensors'], { cwd: dir });
        repo.commit(`step ${step}`);
      }
      repo.close();
      expect(await downgrade(dir, layout)).toBeGreaterThan(3);
      const reopened = Repository.open(dir, { registry: losslessRegistry() });
      try {
        for (let step = 0; step < 3; step++) {
          const out = await reopened.export(`HEAD~${2 - step}`, { format: 'safetensors' });
          expect(Buffer.from(out.bytes).equals(Buffer.from(files[step])), `${layout} step ${step}`).toBe(true);
        }
        expect((await reopened.fsck()).problems).toEqual([]);
      } finally {
        reopened.close();
      }
    }
  });

  it('whole tensors record their format version (1 without context-coded planes); none reads as 1, an unknown one fails with a clear error', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    // 3000 elements: under the context coder's minimum, so planes are raw or deflated (version 1).
    const file = writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [3000], data: weights(3000, 0) } }]);
    writeFileSync(join(dir, 'm.safetensors'), file);
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('one');
    repo.close();
    // As written today: version 1. Then as written before versions were recorded: no version.
    const written = await rewriteObjects(dir, ({ version: _, ...rest }) => rest);
    expect(written.map((a) => a.version)).toEqual([1]);
    const unversioned = Repository.open(dir, { registry: losslessRegistry() });
    try {
      expect(Buffer.from((await unversioned.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(file))).toBe(true);
    } finally {
      unversioned.close();
    }
    await rewriteObjects(dir, (a) => ({ ...a, version: 3 }));
    const future = Repository.open(dir, { registry: losslessRegistry() });
    try {
      await expect(future.export('HEAD', { format: 'safetensors' })).rejects.toThrow(/whole-tensor format version 3 is not one this reef reads \(it reads versions 1, 2\)/);
    } finally {
      future.close();
    }
  });

  it('a whole tensor with context-coded planes is version 2 and lists them; its bytes stay one plain u8 dataset', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    // Exponents in a random walk (each within one of the one before, seeded): deflate sees ~3 bits
    // per exponent, the coder's context (the exponent before) leaves ~1.5.
    const n = 60000;
    const words = new Uint32Array(n);
    let exponent = 120;
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < n; i++) {
      exponent = Math.max(100, Math.min(126, exponent + Math.floor(next() * 3) - 1));
      words[i] = (exponent << 23) | Math.floor(next() * 2 ** 23);
    }
    const file = writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [n], data: new Uint8Array(words.buffer) } }]);
    writeFileSync(join(dir, 'm.safetensors'), file);
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('one');
    repo.close();
    const written = await rewriteObjects(dir, (a) => a);
    expect(written).toHaveLength(1);
    expect(written[0].version).toBe(2);
    expect(written[0].planes?.context).toHaveLength(4);
    expect(written[0].planes?.context?.[3]).toBe(true);
    expect(written[0].planes?.deflated[3]).toBe(false);
    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    try {
      expect(Buffer.from((await reopened.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(file))).toBe(true);
      expect((await reopened.fsck()).problems).toEqual([]);
    } finally {
      reopened.close();
    }
  });
});
