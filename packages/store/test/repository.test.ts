import { type DType } from '@reef/core';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { Repository, parseSafetensors, writeSafetensors, type NamedTensor } from '../src/index.js';
import { FIXTURES, compressedNpz, tempDir, losslessRegistry } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function newRepo(): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  const repo = Repository.init(dir, { registry: losslessRegistry() });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

/** Seeded random bytes. */
function bytes(seed: number, n: number): Uint8Array {
  let s = seed * 2654435761 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** A checkpoint-like f32 tensor: smooth values plus a training-step perturbation. */
function weights(n: number, step: number): Uint8Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37) * 0.05 + step * 1e-4 * Math.cos(i * 1.3 + step);
  return new Uint8Array(v.buffer);
}

const ALL: { dtype: DType; width: number }[] = [
  { dtype: 'f64', width: 8 }, { dtype: 'f32', width: 4 }, { dtype: 'f16', width: 2 }, { dtype: 'bf16', width: 2 },
  { dtype: 'i64', width: 8 }, { dtype: 'i32', width: 4 }, { dtype: 'i16', width: 2 }, { dtype: 'i8', width: 1 },
  { dtype: 'u8', width: 1 }, { dtype: 'bool', width: 1 },
];

const hasH5dump = spawnSync('h5dump', ['--version']).status === 0;

describe('Repository', () => {
  it.skipIf(!hasH5dump)('writes packs that other HDF5 tools read: /weights and /deltas with their attributes (h5dump)', async () => {
    const { repo, dir } = newRepo();
    const path = join(dir, 'm.safetensors');
    for (let step = 0; step < 2; step++) {
      writeFileSync(path, writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [4000], data: weights(4000, step) } }]));
      await repo.add([path]);
      repo.commit(`step ${step}`);
    }
    const packs = readdirSync(join(dir, '.reef', 'packs')).filter((f) => f.endsWith('.h5')).map((f) => join(dir, '.reef', 'packs', f));
    const dump = packs.map((p) => spawnSync('h5dump', ['-A', p], { encoding: 'utf8' })).map((r) => r.stdout).join('\n');
    expect(dump).toMatch(/GROUP "weights"/);
    expect(dump).toMatch(/GROUP "deltas"/);
    // One JSON attribute per object (dtype, shape, planes or delta type and reference); the name is the hash.
    expect(dump).toMatch(/GROUP "weights" {\s*ATTRIBUTE "encoding"[\s\S]*?"byte-planes\+deflate"/);
    expect(dump).toMatch(/DATASET "[0-9a-f]{64}"[\s\S]*?ATTRIBUTE "object"[\s\S]*?"{"dtype":"f32","shape":\[4000\],"planes":{"lengths":\[/);
    expect(dump).toMatch(/GROUP "[0-9a-f]{64}"[\s\S]*?ATTRIBUTE "object"[\s\S]*?"delta_type":"[a-z-]+","reference":"[0-9a-f]{64}"/);
  });

  it('commits fixtures and exports them byte-identical (safetensors, npy, npz)', async () => {
    const { repo, dir } = newRepo();
    for (const f of ['tiny-mlp-f32.safetensors', 'tiny-mlp-bf16.safetensors', 'tiny-mlp-fc0-weight.npy', 'tiny-mlp.npz']) copyFileSync(join(FIXTURES, f), join(dir, f));
    const added = await repo.add(['tiny-mlp-f32.safetensors', 'tiny-mlp-bf16.safetensors', 'tiny-mlp-fc0-weight.npy', 'tiny-mlp.npz'], { cwd: dir });
    // The npy weight and the npz tensors equal tensors of the f32 safetensors: stored once.
    expect(added[2].reused).toBe(1);
    expect(added[3].reused).toBe(7);
    const c = repo.commit('tiny MLP in four files');
    expect(repo.log()).toHaveLength(1);
    const st = await repo.export(c.hash.slice(0, 8), { format: 'safetensors', path: 'tiny-mlp-bf16.safetensors' });
    expect(st.verbatim).toBe(true);
    expect(Buffer.from(st.bytes).equals(readFileSync(join(FIXTURES, 'tiny-mlp-bf16.safetensors')))).toBe(true);
    const npz = await repo.export('main', { format: 'npz', path: 'tiny-mlp.npz' });
    expect(Buffer.from(npz.bytes).equals(readFileSync(join(FIXTURES, 'tiny-mlp.npz')))).toBe(true);
    // Converting formats writes a fresh file with the same tensors.
    const converted = await repo.export('HEAD', { format: 'safetensors', path: 'tiny-mlp.npz' });
    expect(converted.verbatim).toBe(false);
    const names = parseSafetensors(converted.bytes, 'converted').tensors.map((t) => t.name).sort();
    expect(names).toEqual(['0.bias', '0.weight', '1.bias', '1.weight', '2.bias', '2.weight', 'step']);
    // A compressed npz (deflated members) comes back byte for byte too.
    writeFileSync(join(dir, 'c.npz'), compressedNpz());
    await repo.add(['c.npz'], { cwd: dir });
    repo.commit('compressed npz');
    expect(Buffer.from((await repo.export('HEAD', { format: 'npz', path: 'c.npz' })).bytes).equals(Buffer.from(compressedNpz()))).toBe(true);
    const fsck = await repo.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.objects).toBeGreaterThan(0);
  });

  it('stores every safetensors dtype, scalars and empty tensors, and checks them out byte for byte', async () => {
    const { repo, dir } = newRepo();
    const tensors: NamedTensor[] = [];
    ALL.forEach(({ dtype, width }, i) => {
      const data = bytes(i + 1, 24 * width);
      if (dtype === 'bool') for (let k = 0; k < data.length; k++) data[k] &= 1;
      tensors.push({ name: `${dtype}.matrix`, tensor: { dtype, shape: [4, 6], data } });
      tensors.push({ name: `${dtype}.scalar`, tensor: { dtype, shape: [], data: data.slice(0, width) } });
      tensors.push({ name: `${dtype}.empty`, tensor: { dtype, shape: [0, 5], data: new Uint8Array(0) } });
    });
    const file = writeSafetensors(tensors, { note: 'all dtypes' });
    writeFileSync(join(dir, 'all.safetensors'), file);
    await repo.add(['all.safetensors'], { cwd: dir });
    repo.commit('all dtypes');
    writeFileSync(join(dir, 'all.safetensors'), 'overwritten');
    await repo.checkout('HEAD', { force: true });
    expect(Buffer.from(readFileSync(join(dir, 'all.safetensors'))).equals(Buffer.from(file))).toBe(true);
  });

  it('stores a checkpoint series as deltas, smaller than whole, with log, diff, show and status', async () => {
    const { repo, dir } = newRepo();
    const n = 20000;
    const path = join(dir, 'model.safetensors');
    const files: Uint8Array[] = [];
    for (let step = 0; step < 4; step++) {
      const file = writeSafetensors([
        { name: 'w', tensor: { dtype: 'f32', shape: [100, 200], data: weights(n, step) } },
        { name: 'bias', tensor: { dtype: 'f32', shape: [10], data: weights(10, 0) } },
      ]);
      files.push(file);
      writeFileSync(path, file);
      if (step === 1) expect(repo.status().unstaged).toEqual([{ path: 'model.safetensors', change: 'modified' }]);
      const [report] = await repo.add([path]);
      if (step > 0) {
        expect(report.reused).toBe(1); // the unchanged bias
        expect(report.encodings.whole ?? 0).toBe(0);
        expect(report.storedBytes).toBeLessThan(n * 4 * 0.8);
      }
      expect(repo.status().staged).toEqual([{ path: 'model.safetensors', change: step === 0 ? 'added' : 'modified' }]);
      repo.commit(`step ${step}`);
      expect(repo.status().staged).toEqual([]);
    }
    const log = repo.log();
    expect(log.map((c) => c.message)).toEqual(['step 3', 'step 2', 'step 1', 'step 0']);
    expect(repo.show('HEAD~3').message).toBe('step 0');
    const diff = await repo.diff('HEAD~1', 'HEAD');
    expect(diff).toHaveLength(1);
    expect(diff[0].tensor).toBe('w');
    expect(diff[0].norm).toBeGreaterThan(0);
    for (let step = 0; step < 4; step++) {
      const out = await repo.export(`HEAD~${3 - step}`, { format: 'safetensors' });
      expect(Buffer.from(out.bytes).equals(Buffer.from(files[step]))).toBe(true);
    }
    const stats = repo.stats();
    expect(stats.commits).toBe(4);
    expect(Object.keys(stats.byEncoding)).toContain('whole');
    expect(stats.bytesOnDisk).toBeLessThan(stats.bytesAdded);
  });

  it('caps delta chains: past maxDepth a tensor is stored whole, and every version still checks out', async () => {
    const { dir, cleanup } = tempDir();
    const repo = Repository.init(dir, { registry: losslessRegistry(), maxDepth: 2 });
    cleanups.push(() => {
      repo.close();
      cleanup();
    });
    const path = join(dir, 'm.safetensors');
    const encodings: string[] = [];
    const files: Uint8Array[] = [];
    for (let step = 0; step < 4; step++) {
      files.push(writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [3000], data: weights(3000, step) } }]));
      writeFileSync(path, files[step]);
      const [report] = await repo.add([path]);
      encodings.push(Object.keys(report.encodings).join());
      repo.commit(`step ${step}`);
    }
    expect(encodings[0]).toBe('whole');
    expect(encodings[1]).not.toBe('whole');
    expect(encodings[2]).not.toBe('whole');
    expect(encodings[3]).toBe('whole'); // its reference is already 2 deltas deep
    for (let step = 0; step < 4; step++) {
      expect(Buffer.from((await repo.export(`HEAD~${3 - step}`, { format: 'safetensors' })).bytes).equals(Buffer.from(files[step]))).toBe(true);
    }
  });

  it('finds a reference for a renamed tensor through the persisted similarity index', async () => {
    const { repo, dir } = newRepo();
    writeFileSync(join(dir, 'a.safetensors'), writeSafetensors([{ name: 'encoder.w', tensor: { dtype: 'f32', shape: [5000], data: weights(5000, 0) } }]));
    await repo.add(['a.safetensors'], { cwd: dir });
    repo.commit('a');
    repo.close();
    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    cleanups.push(() => reopened.close());
    writeFileSync(join(dir, 'b.safetensors'), writeSafetensors([{ name: 'renamed.w', tensor: { dtype: 'f32', shape: [5000], data: weights(5000, 3) } }]));
    const [report] = await reopened.add(['b.safetensors'], { cwd: dir });
    expect(report.encodings.whole ?? 0).toBe(0);
  });

  it('branches, tags and merges: fast-forward, conflicts listed, ours/theirs/average/weighted', async () => {
    const { repo, dir } = newRepo();
    const file = (a: number, b: number): Uint8Array =>
      writeSafetensors([
        { name: 'a', tensor: { dtype: 'f32', shape: [2], data: new Uint8Array(new Float32Array([a, a]).buffer) } },
        { name: 'b', tensor: { dtype: 'f32', shape: [2], data: new Uint8Array(new Float32Array([b, b]).buffer) } },
      ]);
    const commitFile = async (bytes: Uint8Array, msg: string): Promise<string> => {
      writeFileSync(join(dir, 'm.safetensors'), bytes);
      await repo.add(['m.safetensors'], { cwd: dir });
      return repo.commit(msg).hash;
    };
    const base = await commitFile(file(1, 1), 'base');
    repo.createTag('v1');
    repo.createBranch('feature');
    await repo.checkout('feature');
    await commitFile(file(1, 3), 'feature changes b');
    await repo.checkout('main');
    expect(repo.resolve('v1')).toBe(base);
    // main is behind feature: fast-forward.
    const ff = await repo.merge('feature');
    expect(ff.fastForward).toBe(true);
    expect(repo.resolve('main')).toBe(repo.resolve('feature'));
    // Diverge: both change a; feature also changes b.
    await commitFile(file(2, 3), 'main a=2');
    await repo.checkout('feature');
    await commitFile(file(4, 5), 'feature a=4 b=5');
    await repo.checkout('main');
    await expectReefError(() => repo.merge('feature'), 'INVALID_PARAM', /conflicts in m\.safetensors:a/);
    expect(repo.log()[0].message).toBe('main a=2'); // nothing changed
    repo.createBranch('try-average');
    repo.createBranch('try-theirs');
    repo.createBranch('try-weighted');
    const avg = await repo.merge('feature', { strategy: 'average' });
    expect(avg.conflicts).toEqual([{ path: 'm.safetensors', tensor: 'a', resolution: 'averaged' }]);
    const merged = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'm.safetensors'))), 'm');
    const values = (name: string): number[] => [...new Float32Array(merged.tensors.find((t) => t.name === name)!.tensor.data.slice().buffer)];
    expect(values('a')).toEqual([3, 3]);
    expect(values('b')).toEqual([5, 5]); // only feature changed b
    expect(repo.show('HEAD').parents).toHaveLength(2);
    expect((await repo.fsck()).problems).toEqual([]);
    await repo.checkout('try-weighted');
    await repo.merge('feature', { strategy: 'weighted', weight: 0.75 });
    const w = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'm.safetensors'))), 'w');
    expect([...new Float32Array(w.tensors.find((t) => t.name === 'a')!.tensor.data.slice().buffer)]).toEqual([2.5, 2.5]);
    await repo.checkout('try-theirs');
    const theirs = await repo.merge('feature', { strategy: 'theirs' });
    expect(theirs.conflicts[0].resolution).toBe('took theirs');
    expect(repo.branches().map((b) => b.name)).toEqual(['feature', 'main', 'try-average', 'try-theirs', 'try-weighted']);
  });

  it('gc drops unreachable objects and commits, keeping everything reachable intact', async () => {
    const { repo, dir } = newRepo();
    const path = join(dir, 'x.safetensors');
    writeFileSync(path, writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [3000], data: weights(3000, 0) } }]));
    await repo.add([path]);
    repo.commit('keep');
    repo.createBranch('scratch');
    await repo.checkout('scratch');
    writeFileSync(path, writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [3000], data: bytes(9, 12000) } }]));
    await repo.add([path]);
    repo.commit('throwaway');
    await repo.checkout('main');
    repo.deleteBranch('scratch');
    const before = repo.stats().objects;
    const gc = await repo.gc();
    expect(gc.objectsRemoved).toBe(1);
    expect(gc.commitsRemoved).toBe(1);
    expect(gc.bytesAfter).toBeLessThan(gc.bytesBefore);
    expect(repo.stats().objects).toBe(before - 1);
    expect((await repo.fsck()).problems).toEqual([]);
    await expectReefError(() => repo.show('scratch'), 'INVALID_PARAM', /unknown revision 'scratch'/);
  });

  it('gives clear errors for missing revisions, bad input, corruption and a held lock', async () => {
    const { repo, dir } = newRepo();
    await expectReefError(() => repo.show('nope'), 'INVALID_PARAM', /unknown revision 'nope'/);
    // The host passes the delta types; the store registers none of its own.
    await expectReefError(() => Repository.open(dir, {} as Parameters<typeof Repository.open>[1]), 'INVALID_PARAM', /RepositoryOptions\.registry is required/);
    writeFileSync(join(dir, 'bad.safetensors'), new Uint8Array([1, 2, 3]));
    await expectReefError(() => repo.add(['bad.safetensors'], { cwd: dir }), 'BAD_FILE', /too short/);
    await expectReefError(() => repo.commit('empty'), 'INVALID_PARAM', /nothing to commit/);
    copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(dir, 'm.safetensors'));
    await repo.add(['m.safetensors'], { cwd: dir });
    const c = repo.commit('ok');
    await expectReefError(() => repo.show(c.hash.slice(0, 2)), 'INVALID_PARAM', /unknown revision/);
    // A live process holds the lock: a second writer is refused, nothing changes.
    writeFileSync(join(dir, '.reef', 'lock'), `${process.ppid}\n`);
    await expectReefError(() => repo.add(['m.safetensors'], { cwd: dir }), 'LOCKED', /locked by process/);
    // A lock left by a dead process is taken over.
    writeFileSync(join(dir, '.reef', 'lock'), '999999999\n');
    await repo.add(['m.safetensors'], { cwd: dir });
    expect(existsSync(join(dir, '.reef', 'lock'))).toBe(false);
    // Corrupt a pack: fsck names it, export refuses rather than returning wrong bytes.
    repo.close();
    const packs = readdirSync(join(dir, '.reef', 'packs')).filter((f) => f.endsWith('.h5'));
    const packPath = join(dir, '.reef', 'packs', packs[0]);
    const raw = readFileSync(packPath);
    for (let i = raw.length - 2000; i < raw.length - 100; i += 7) raw[i] ^= 0x55;
    writeFileSync(packPath, raw);
    const damaged = Repository.open(dir, { registry: losslessRegistry() });
    cleanups.push(() => damaged.close());
    const fsck = await damaged.fsck();
    expect(fsck.problems.length).toBeGreaterThan(0);
    await expectReefError(() => damaged.export('HEAD', { format: 'safetensors' }), 'REPOSITORY', /corrupt|missing|does not match/);
    // A corrupted commit file is reported by fsck too.
    writeFileSync(join(dir, '.reef', 'commits', `${c.hash}.json`), '{"broken": tru');
    expect((await damaged.fsck()).problems.join('\n')).toMatch(/commit file .* is corrupt/);
  });
});
