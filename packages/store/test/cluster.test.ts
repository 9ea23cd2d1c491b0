import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaQuantized from '@reef/delta-quantized';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { CENTROID_KIND, Repository, writeSafetensors, analyzeClusters, applyClusters, centroidHash, meanTensor, tensorHash } from '../src/index.js';
import { agglomerate, kmeansGroups, relativeDistance } from '../src/cluster-group.js';
import { dirBytes, noise, snapshot, variant, writeVariants } from './cluster-fixtures.js';
import { tempDir, losslessRegistry } from './helpers.js';

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

/** Six fine-tuned variants of one base, added in one go (so the store keeps each whole), committed. */
async function variantsRepo(count = 6): Promise<{ repo: Repository; dir: string; files: string[]; bytes: Uint8Array[] }> {
  const { repo, dir } = newRepo();
  const { files, bytes } = writeVariants(dir, count);
  await repo.add(files, { cwd: dir });
  repo.commit('variants');
  return { repo, dir, files, bytes };
}

async function expectExportsExact(repo: Repository, files: string[], bytes: Uint8Array[], rev = 'HEAD'): Promise<void> {
  for (const [i, path] of files.entries()) {
    const out = await repo.export(rev, { format: 'safetensors', path });
    expect(Buffer.from(out.bytes).equals(Buffer.from(bytes[i])), `${path} at ${rev}`).toBe(true);
  }
}

describe('clustering primitives', () => {
  it('separates two families by relative distance, with complete linkage and with k-means', () => {
    const a = noise(1, 500);
    const b = noise(2, 500);
    const near = (base: Float32Array, seed: number): Float64Array => Float64Array.from(base, (x, i) => x + 1e-3 * noise(seed, 500)[i]);
    const vectors = [near(a, 10), near(b, 11), near(a, 12), near(b, 13), near(a, 14)];
    expect(relativeDistance(vectors[0], vectors[2])).toBeLessThan(0.01);
    expect(relativeDistance(vectors[0], vectors[1])).toBeGreaterThan(1);
    const sorted = (groups: number[][]): number[][] => groups.map((g) => [...g].sort()).sort((x, y) => x[0] - y[0]);
    expect(sorted(agglomerate(vectors, 0.5))).toEqual([[0, 2, 4], [1, 3]]);
    expect(sorted(agglomerate(vectors, 0.001))).toEqual([[0], [1], [2], [3], [4]]);
    expect(sorted(kmeansGroups(vectors, 2))).toEqual([[0, 2, 4], [1, 3]]);
  });

  it('gives centroids their own hash domain and refuses mismatched members', () => {
    const t = { dtype: 'f32' as const, shape: [3], data: new Uint8Array(new Float32Array([1, 2, 3]).buffer) };
    const mean = meanTensor([t, t]);
    expect(Buffer.from(mean.data).equals(Buffer.from(t.data))).toBe(true);
    expect(centroidHash(mean)).not.toBe(tensorHash(t)); // same bytes, never the same object
    expect(() => meanTensor([t, { ...t, shape: [1, 3] }])).toThrow(/one dtype and shape/);
    expect(() => meanTensor([{ dtype: 'i32', shape: [1], data: new Uint8Array(4) }])).toThrow(/only float tensors/);
  });
});

describe('cluster analyze', () => {
  it('reports clusters, sizes and measured savings and writes nothing', async () => {
    const { repo, dir } = await variantsRepo();
    // Same shape, unrelated values: must not join the variants' cluster.
    writeFileSync(join(dir, 'other.safetensors'), variant(9, 0));
    await repo.add(['other.safetensors'], { cwd: dir });
    repo.commit('unrelated model');
    repo.close();
    const before = snapshot(join(dir, '.reef'));
    const fresh = Repository.open(dir, { registry: losslessRegistry() });
    const a = await analyzeClusters(fresh, { centroid: 'mean' });
    const auto = await analyzeClusters(fresh);
    fresh.close();
    expect(snapshot(join(dir, '.reef'))).toEqual(before);
    expect(a.candidates).toBe(7); // the w1 of 6 variants + other's w1; biases are under min-bytes
    expect(a.clusters).toHaveLength(1);
    const [c] = a.clusters;
    expect(c.dtype).toBe('f32');
    expect(c.shape).toEqual([400, 120]);
    expect(c.members.map((m) => m.label).sort()).toEqual(['v0.safetensors:w1', 'v1.safetensors:w1', 'v2.safetensors:w1', 'v3.safetensors:w1', 'v4.safetensors:w1', 'v5.safetensors:w1']);
    expect(c.members.every((m) => m.encodingNow === 'whole' && !m.kept && m.bytesPlanned < m.bytesNow)).toBe(true);
    expect(c.pays).toBe(true);
    expect(c.bytesProjected).toBe(c.centroidBytes + c.members.reduce((s, m) => s + m.bytesPlanned, 0));
    expect(a.bytesProjected).toBeLessThan(a.bytesNow * 0.9);
    expect(a.method).toMatch(/measured/);
    // 'auto' measures both references; with six variants the medoid (no extra object) is smaller.
    const [m] = auto.clusters;
    expect(Object.keys(m.projections).sort()).toEqual(['mean', 'medoid']);
    expect(m.projections.mean).toBe(c.bytesProjected);
    expect(m.centroidKind).toBe(m.projections.medoid < m.projections.mean ? 'medoid' : 'mean');
    expect(m.centroidKind).toBe('medoid');
    expect(m.centroidBytes).toBe(0);
    expect(m.members.filter((x) => x.kept)).toEqual([expect.objectContaining({ hash: m.centroid, kept: 'it is the medoid' })]);
    expect(snapshot(join(dir, '.reef'))).toEqual(before);
  });

  it('with --k splits a dtype-and-shape group into k clusters', async () => {
    const { repo, dir } = newRepo();
    const a = writeVariants(dir, 3, 1, 'a');
    const b = writeVariants(dir, 3, 2, 'b');
    await repo.add([...a.files, ...b.files], { cwd: dir });
    repo.commit('two families');
    const two = await analyzeClusters(repo, { k: 2 });
    expect(two.clusters.map((c) => c.members.map((m) => m.label[0]).join('')).sort()).toEqual(['aaa', 'bbb']);
    const one = await analyzeClusters(repo, { k: 1 });
    expect(one.clusters).toHaveLength(1);
    expect(one.clusters[0].members).toHaveLength(6);
    const threshold = await analyzeClusters(repo);
    expect(threshold.clusters).toHaveLength(2);
  });

  it('refuses an explicit cluster of mismatched shapes or dtypes, and bad options, with clear errors', async () => {
    const { repo } = await variantsRepo(2);
    await expectReefError(() => analyzeClusters(repo, { select: ['v0.safetensors:w1', 'v0.safetensors:bias'], single: true }), 'INVALID_PARAM', /different dtypes or shapes: v0\.safetensors:w1 \(f32 \[400, 120\]\) and v0\.safetensors:bias \(f32 \[8\]\)/);
    await expectReefError(() => applyClusters(repo, { select: ['w1', 'bias'], single: true }), 'INVALID_PARAM', /different dtypes or shapes/);
    await expectReefError(() => analyzeClusters(repo, { select: ['nope'] }), 'INVALID_PARAM', /no tracked tensor matches 'nope'/);
    await expectReefError(() => analyzeClusters(repo, { select: ['v0.safetensors:w1'], single: true }), 'INVALID_PARAM', /at least 2 distinct tensors/);
    await expectReefError(() => analyzeClusters(repo, { single: true }), 'INVALID_PARAM', /explicit selection/);
    await expectReefError(() => analyzeClusters(repo, { minSize: 0 }), 'INVALID_PARAM', /min-size must be a positive integer/);
    await expectReefError(() => analyzeClusters(repo, { threshold: -1 }), 'INVALID_PARAM', /threshold/);
    const selected = await analyzeClusters(repo, { select: ['v0.safetensors:*', repo.commitAt('HEAD').tree['v1.safetensors'].tensors[0].hash.slice(0, 10)] });
    expect(selected.candidates).toBe(2); // v0's w1 (its bias is under min-bytes) and v1's w1 by hash prefix
    const explicit = await analyzeClusters(repo, { select: ['v*.safetensors:w1'], single: true });
    expect(explicit.clusters).toHaveLength(1);
    expect(explicit.clusters[0].members).toHaveLength(2);
  });
});

const hasH5dump = spawnSync('h5dump', ['--version']).status === 0;

describe('cluster apply', () => {
  it('stores a centroid and members as deltas: byte-exact exports, fsck clean, stats count it, gc shrinks the repository', async () => {
    const { repo, dir, files, bytes } = await variantsRepo();
    const reef = join(dir, '.reef');
    const before = dirBytes(reef);
    const r = await applyClusters(repo, { centroid: 'mean' });
    expect(r.pack).toBeDefined();
    expect(r.centroidsWritten).toBe(1);
    expect(r.membersReencoded).toBe(6);
    const centroid = repo.objects.all().filter((o) => o.kind === CENTROID_KIND);
    expect(centroid).toHaveLength(1);
    for (const m of r.clusters[0].members) {
      const info = repo.objects.info(m.hash);
      expect(info?.reference).toBe(centroid[0].hash);
      expect(info?.depth).toBe(1);
    }
    await expectExportsExact(repo, files, bytes);
    const beforeGc = await repo.fsck();
    expect(beforeGc.problems).toEqual([]);
    expect(beforeGc.garbage).toEqual([expect.stringMatching(/^packs\/pack-\S+\.h5 \(6 superseded object\(s\)\)$/)]);
    const stats = repo.stats();
    expect(stats.byEncoding.centroid?.objects).toBe(1);
    expect(stats.byEncoding.centroid?.storedBytes).toBe(centroid[0].storedBytes);
    expect(stats.bytesOnDisk).toBe(dirBytes(reef)); // superseded copies still on disk, and counted

    const gc = await repo.gc();
    expect(gc.packsRewritten + gc.packsRemoved).toBeGreaterThan(0);
    const after = dirBytes(reef);
    expect(after).toBeLessThan(before * 0.9);
    expect(repo.objects.all().filter((o) => o.kind === CENTROID_KIND)).toHaveLength(1); // kept: members refer to it
    const fsck = await repo.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.garbage).toEqual([]);
    repo.close();
    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    cleanups.push(() => reopened.close());
    await expectExportsExact(reopened, files, bytes);
    // Nothing pays twice: a second apply writes nothing.
    const snap = snapshot(reef);
    const again = await applyClusters(reopened, { centroid: 'mean' });
    expect(again.pack).toBeUndefined();
    expect(snapshot(reef)).toEqual(snap);
  });

  it.skipIf(!hasH5dump)('writes centroids under /centroids, marked kind centroid in their object attribute (h5dump)', async () => {
    const { repo, dir } = await variantsRepo(5);
    const r = await applyClusters(repo, { centroid: 'mean' });
    const dump = spawnSync('h5dump', ['-A', join(dir, '.reef', 'packs', `${r.pack}.h5`)], { encoding: 'utf8' }).stdout;
    expect(dump).toMatch(/GROUP "centroids"/);
    expect(dump).toMatch(/GROUP "centroids"[\s\S]*?ATTRIBUTE "object"[\s\S]*?"kind":"centroid"/);
    expect(dump).toMatch(/ATTRIBUTE "object"[\s\S]*?"reference":"[0-9a-f]{64}"/);
  });

  it('gc removes a centroid once no member refers to it', async () => {
    const { repo, dir } = newRepo();
    writeFileSync(join(dir, 'keep.safetensors'), variant(5, 0));
    await repo.add(['keep.safetensors'], { cwd: dir });
    repo.commit('main model');
    repo.createBranch('experiments');
    await repo.checkout('experiments');
    const { files } = writeVariants(dir, 4);
    await repo.add(files, { cwd: dir });
    repo.commit('variants');
    await applyClusters(repo, { centroid: 'mean' });
    expect(repo.objects.all().some((o) => o.kind === CENTROID_KIND)).toBe(true);
    await repo.checkout('main');
    repo.deleteBranch('experiments');
    await repo.gc();
    expect(repo.objects.all().some((o) => o.kind === CENTROID_KIND)).toBe(false);
    const fsck = await repo.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.garbage).toEqual([]);
    expect(readdirSync(join(dir, '.reef', 'packs')).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('with a medoid: members become deltas against the member nearest the mean, byte-exact, no new object', async () => {
    const { repo, dir, files, bytes } = await variantsRepo();
    const before = dirBytes(join(dir, '.reef'));
    const r = await applyClusters(repo);
    const [c] = r.clusters;
    expect(c.centroidKind).toBe('medoid');
    expect(r.centroidsWritten).toBe(0);
    expect(r.membersReencoded).toBe(5);
    expect(repo.objects.info(c.centroid)?.encoding).toBe('whole');
    for (const m of c.members) if (m.hash !== c.centroid) expect(repo.objects.info(m.hash)?.reference).toBe(c.centroid);
    await repo.gc();
    expect(dirBytes(join(dir, '.reef'))).toBeLessThan(before * 0.85);
    const fsck = await repo.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.garbage).toEqual([]);
    await expectExportsExact(repo, files, bytes);
  });

  it('never re-encodes a member the medoid decodes through (no reference cycles)', async () => {
    const { repo, dir } = newRepo();
    // Evenly spaced checkpoints: the middle one is nearest the mean, and is a delta against the first.
    const base = noise(4, 48_000).map((x) => x * 0.05);
    const jitter = noise(60, 48_000);
    const hashes: string[] = [];
    for (let step = 0; step < 3; step++) {
      const w = base.map((x, i) => x + step * 5e-5 * jitter[i]);
      writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'w1', tensor: { dtype: 'f32', shape: [400, 120], data: new Uint8Array(w.buffer) } }]));
      await repo.add(['m.safetensors'], { cwd: dir });
      hashes.push(repo.commit(`step ${step}`).tree['m.safetensors'].tensors[0].hash);
    }
    expect(repo.objects.info(hashes[1])?.reference).toBe(hashes[0]);
    const [c] = (await analyzeClusters(repo, { centroid: 'medoid' })).clusters;
    expect(c.centroid).toBe(hashes[1]);
    const first = c.members.find((m) => m.hash === hashes[0]);
    expect(first?.kept).toBe('the medoid is stored as a delta against it');
    await applyClusters(repo, { centroid: 'medoid' });
    expect((await repo.fsck()).problems).toEqual([]);
  });

  it('leaves objects that a lossy commit chose as they are', async () => {
    const registry = new Registry();
    registry.use(deltaLossless, '@reef/delta-lossless');
    registry.use(deltaQuantized);
    const { dir, cleanup } = tempDir();
    const repo = Repository.init(dir, { registry });
    cleanups.push(() => {
      repo.close();
      cleanup();
    });
    const { files } = writeVariants(dir, 4, 1, 'v', 6_000);
    await repo.add([files[0]], { cwd: dir });
    repo.commit('base variant');
    await repo.add(files.slice(1), { cwd: dir });
    const { quality } = await repo.commitLossy('lossy variants', { maxRelError: 1e-2 });
    const lossy = new Set(quality.lossy.map((t) => t.stored));
    expect(lossy.size).toBeGreaterThan(0);
    const before = new Map([...lossy].map((h) => [h, repo.objects.info(h)]));
    const w1 = new Set(Object.values(repo.commitAt('HEAD').tree).map((f) => f.tensors.find((t) => t.name === 'w1')!.hash));
    const lossyW1 = [...w1].filter((h) => lossy.has(h));
    expect(lossyW1.length).toBeGreaterThan(0);
    const r = await applyClusters(repo, { registry, minSize: 2 });
    expect(r.candidates).toBe(w1.size - lossyW1.length); // biases are under min-bytes
    expect(r.clusters.flatMap((c) => c.members).some((m) => lossy.has(m.hash))).toBe(false);
    for (const [h, info] of before) expect(repo.objects.info(h)).toEqual(info);
    expect((await repo.fsck()).problems).toEqual([]);
  }, 30_000);

  it('writes nothing when the saving is smaller than a new pack file costs', async () => {
    const { repo, dir } = newRepo();
    const { files } = writeVariants(dir, 2, 1, 'v', 2_400);
    await repo.add(files, { cwd: dir });
    repo.commit('two small variants');
    const a = await analyzeClusters(repo);
    expect(a.clusters).toHaveLength(1);
    expect(a.clusters[0].pays).toBe(true); // on its own the cluster saves bytes...
    expect(a.note).toMatch(/less than a new pack file costs/); // ...but not enough to pay for a pack
    expect(a.bytesNow).toBe(0);
    const snap = snapshot(join(dir, '.reef'));
    expect((await applyClusters(repo)).pack).toBeUndefined();
    expect(snapshot(join(dir, '.reef'))).toEqual(snap);
  });

  it('keeps members as they are when re-encoding does not pay (a checkpoint chain)', async () => {
    const { repo, dir } = newRepo();
    // A near-copy then a bigger step: the near-copy's delta against its parent beats any delta
    // against the mean, and the centroid costs about what the whole first checkpoint does.
    let w = noise(3, 48_000).map((x) => x * 0.05);
    for (const [step, rel] of [0, 1e-6, 1e-3].entries()) {
      const jitter = noise(50 + step, w.length);
      w = w.map((x, i) => x + 0.05 * rel * jitter[i]);
      writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'w1', tensor: { dtype: 'f32', shape: [400, 120], data: new Uint8Array(w.buffer) } }]));
      await repo.add(['m.safetensors'], { cwd: dir });
      repo.commit(`step ${step}`);
    }
    const snap = snapshot(join(dir, '.reef'));
    const r = await applyClusters(repo, { threshold: 1, centroid: 'mean' });
    expect(r.clusters).toHaveLength(1);
    const kept = r.clusters[0].members.filter((m) => m.kept);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((m) => m.bytesPlanned === m.bytesNow)).toBe(true);
    expect(r.clusters[0].pays).toBe(false);
    expect(r.pack).toBeUndefined();
    expect(snapshot(join(dir, '.reef'))).toEqual(snap);
    expect((await repo.fsck()).problems).toEqual([]);
  });
});
