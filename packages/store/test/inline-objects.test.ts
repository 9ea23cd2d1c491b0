import { Registry } from '@reef/core';
import deltaCast from '@reef/delta-cast';
import deltaLossless from '@reef/delta-lossless';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { INLINE_MAX_BYTES } from '../src/inline-objects.js';
import { MANIFEST_FORMAT, type PackManifest } from '../src/pack-manifest.js';
import { FIXTURES, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function registry(): Registry {
  const r = new Registry();
  r.use(deltaLossless, '@reef/delta-lossless');
  r.use(deltaCast, '@reef/delta-cast');
  return r;
}

function newRepo(): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  const repo = Repository.init(dir, { registry: registry() });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

const packsOf = (dir: string): string[] => readdirSync(join(dir, '.reef', 'packs'));
const manifests = (dir: string): { name: string; manifest: PackManifest }[] =>
  packsOf(dir).filter((f) => f.endsWith('.json')).sort().map((f) => ({ name: f, manifest: JSON.parse(readFileSync(join(dir, '.reef', 'packs', f), 'utf8')) as PackManifest }));

/** Smooth weights: 12 f32 values of a layer, one seed each. */
function weights(n: number, seed: number): Uint8Array {
  return new Uint8Array(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.05 + Math.cos(i * 1.7) * 1e-3).buffer);
}

describe('small objects inline in the pack manifest (format 2)', () => {
  it('keeps small tensors in the manifest and large ones in the HDF5 file; a pack of small objects only has no HDF5 file', async () => {
    const { repo, dir } = newRepo();
    const model = (step: number): Uint8Array =>
      writeSafetensors([
        { name: 'big', tensor: { dtype: 'f32', shape: [4096], data: weights(4096, step) } },
        { name: 'bias', tensor: { dtype: 'f32', shape: [32], data: weights(32, step) } },
      ]);
    writeFileSync(join(dir, 'm.safetensors'), model(0));
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('both');
    const [first] = manifests(dir);
    expect(first.manifest.format).toBe(MANIFEST_FORMAT);
    const byName = new Map(first.manifest.objects.map((o) => [o.shape[0], o]));
    expect(byName.get(32)?.inline?.bytes).toBeTypeOf('string');
    expect(byName.get(4096)?.inline).toBeUndefined();
    expect(first.manifest.objects.every((o) => o.rawBytes === undefined)).toBe(true); // derived from dtype and shape
    expect(existsSync(join(dir, '.reef', 'packs', first.name.replace(/\.json$/, '.h5')))).toBe(true);

    // Only the bias changes: its pack is its manifest alone.
    const changed = writeSafetensors([
      { name: 'big', tensor: { dtype: 'f32', shape: [4096], data: weights(4096, 0) } },
      { name: 'bias', tensor: { dtype: 'f32', shape: [32], data: weights(32, 1) } },
    ]);
    writeFileSync(join(dir, 'm.safetensors'), changed);
    const [added] = await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('bias');
    expect(added.encodings).toEqual({ whole: 1 });
    const second = manifests(dir).find((m) => m.name !== first.name)!;
    expect(second.manifest.objects).toHaveLength(1);
    expect(existsSync(join(dir, '.reef', 'packs', second.name.replace(/\.json$/, '.h5')))).toBe(false);

    repo.close();
    const reopened = Repository.open(dir, { registry: registry() });
    try {
      expect(Buffer.from((await reopened.export('HEAD~1', { format: 'safetensors' })).bytes).equals(Buffer.from(model(0)))).toBe(true);
      expect(Buffer.from((await reopened.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(changed))).toBe(true);
      const fsck = await reopened.fsck();
      expect(fsck.problems).toEqual([]);
      expect(fsck.garbage).toEqual([]);
      // gc merges the two small packs, inline objects staying inline; everything still reads.
      const gc = await reopened.gc();
      expect(gc.packsMerged).toBe(2);
      expect(manifests(dir)).toHaveLength(1);
      expect(manifests(dir)[0].manifest.objects.filter((o) => o.inline)).toHaveLength(2);
      expect((await reopened.fsck()).problems).toEqual([]);
      expect(Buffer.from((await reopened.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(changed))).toBe(true);
    } finally {
      reopened.close();
    }
  });

  it('keeps cast payloads with their exception arrays inline, byte-exact', async () => {
    const { repo, dir } = newRepo();
    copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(dir, 'm.safetensors'));
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('f32');
    // The bf16 copy with a few elements off the round-to-nearest-even cast: exceptions to store.
    const bf16 = readFileSync(join(FIXTURES, 'tiny-mlp-bf16.safetensors'));
    for (const at of [bf16.length - 2, bf16.length - 40, bf16.length - 100]) bf16[at] ^= 0x01;
    writeFileSync(join(dir, 'm.safetensors'), bf16);
    const [added] = await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('bf16, nearly');
    expect(added.encodings.cast).toBe(6);
    const last = manifests(dir).at(-1)!;
    const casts = last.manifest.objects.filter((o) => o.encoding === 'cast');
    expect(casts.every((o) => o.inline?.attributes !== undefined)).toBe(true);
    expect(casts.some((o) => Object.keys(o.inline?.arrays ?? {}).length > 0)).toBe(true);
    expect(existsSync(join(dir, '.reef', 'packs', last.name.replace(/\.json$/, '.h5')))).toBe(false);
    expect(Buffer.from((await repo.export('HEAD', { format: 'safetensors' })).bytes).equals(bf16)).toBe(true);
    expect((await repo.fsck()).problems).toEqual([]);
  });

  it('fsck names a damaged inline object and its manifest; a manifest of an unknown format is refused with one clear line', async () => {
    const { repo, dir } = newRepo();
    writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'bias', tensor: { dtype: 'f32', shape: [64], data: weights(64, 3) } }]));
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('one');
    repo.close();
    const [{ name, manifest }] = manifests(dir);
    const path = join(dir, '.reef', 'packs', name);
    const original = readFileSync(path, 'utf8');
    const bytes = manifest.objects[0].inline!.bytes!;
    // Another valid base64 text of the same length: the bytes decode, but not to the tensor hashed.
    const damaged = original.replace(bytes, (bytes[0] === 'A' ? 'B' : 'A') + bytes.slice(1));
    writeFileSync(path, damaged);
    const opened = Repository.open(dir, { registry: registry() });
    try {
      const fsck = await opened.fsck();
      expect(fsck.problems.length).toBeGreaterThan(0);
      expect(fsck.problems.join('\n')).toMatch(new RegExp(`pack manifest ${name.replace(/\./g, '\\.')}, object [0-9a-f]{12} is corrupt`));
    } finally {
      opened.close();
    }
    writeFileSync(path, original.replace(`"format":${MANIFEST_FORMAT}`, '"format":9'));
    expect(() => Repository.open(dir, { registry: registry() })).toThrow(/pack manifest pack-.*\.json has format 9, which this reef does not read \(it reads 1, 2\); upgrade @reef\/store/);
  });

  it('h5py reads the HDF5 file of a pack that also has inline objects: the large objects with their attributes', async (ctx) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.log('skipped: /usr/bin/python3 with h5py is not installed (apt-get install python3-h5py)');
      ctx.skip();
    }
    const { repo, dir } = newRepo();
    writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([
      { name: 'big', tensor: { dtype: 'f32', shape: [4096], data: weights(4096, 5) } },
      { name: 'bias', tensor: { dtype: 'f32', shape: [16], data: weights(16, 5) } },
    ]));
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('mixed');
    const [{ name, manifest }] = manifests(dir);
    const script = [
      'import h5py, json, sys',
      'f = h5py.File(sys.argv[1], "r")',
      'out = {}',
      'for k, ds in f["weights"].items():',
      '    a = json.loads(ds.attrs["object"])',
      '    out[k] = [len(ds[()]), sum(a["planes"]["lengths"]), a["shape"]]',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('/usr/bin/python3', ['-c', script, join(dir, '.reef', 'packs', name.replace(/\.json$/, '.h5'))], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const read = JSON.parse(run.stdout) as Record<string, [number, number, number[]]>;
    const inHdf5 = manifest.objects.filter((o) => !o.inline);
    expect(Object.keys(read).sort()).toEqual(inHdf5.map((o) => o.hash).sort());
    for (const o of inHdf5) {
      expect(read[o.hash][0]).toBe(read[o.hash][1]); // the dataset holds exactly the planes its attribute lists
      expect(read[o.hash][2]).toEqual(o.shape);
    }
    expect(manifest.objects.filter((o) => o.inline)).toHaveLength(1);
    expect(INLINE_MAX_BYTES).toBeGreaterThanOrEqual(64 * 4 + 64); // the 16-element bias fits with room
  });
});
