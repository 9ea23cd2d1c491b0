import { PLUGIN_API_VERSION, Registry, definePlugin, isReefError, type DeltaTypePlugin, type Tensor } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaPq from '@reef/delta-pq';
import deltaQuantized from '@reef/delta-quantized';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore, Repository, ZERO_REFERENCE, applyClusters, screenSample, parseSafetensors, toFloat64, writeSafetensors } from '../src/index.js';
import { tempDir } from './helpers.js';

/**
 * A third-party-style lossy type that stores nothing and decodes to its reference: the store must
 * refuse it (a changed tensor replaced by its reference, or a tensor replaced by zeros).
 */
const keepReferencePlugin = definePlugin({
  name: 'keep-reference',
  apiVersion: PLUGIN_API_VERSION,
  register: (host) =>
    host.registerDeltaType({
      kind: 'delta', id: 'keep-reference', label: 'keep reference', summary: 'drops the change', apiVersion: PLUGIN_API_VERSION,
      lossless: false, params: [],
      encode: () => ({ arrays: {}, attributes: {} }),
      decode: (_payload, reference) => reference,
    } satisfies DeltaTypePlugin),
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function registryWith(...plugins: Parameters<Registry['use']>[0][]): Registry {
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  for (const p of plugins) registry.use(p);
  return registry;
}

function newRepo(registry: Registry): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  const repo = Repository.init(dir, { registry });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

/** Seeded standard normals (xorshift + Box–Muller). */
function normals(seed: number, n: number): Float64Array {
  let s = seed * 2654435761 || 1;
  const u = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

function f32(shape: number[], values: Float64Array): Tensor {
  return { dtype: 'f32', shape, data: new Uint8Array(Float32Array.from(values).buffer) };
}

/** A small model: two weight matrices, a bias, a norm scale and an integer step counter. */
function model(step: number): { name: string; tensor: Tensor }[] {
  const nudge = (seed: number, n: number, scale: number): Float64Array => {
    const base = normals(seed, n).map((v) => v * 0.05);
    for (let k = 1; k <= step; k++) normals(seed * 100 + k, n).forEach((v, i) => (base[i] += v * 0.05 * scale));
    return base;
  };
  return [
    { name: 'fc1.weight', tensor: f32([64, 64], nudge(1, 4096, 0.02)) },
    { name: 'fc2.weight', tensor: f32([32, 64], nudge(2, 2048, 0.02)) },
    { name: 'fc1.bias', tensor: f32([64], nudge(3, 64, 0.02)) },
    { name: 'norm.scale', tensor: f32([16], nudge(4, 16, 1e-6)) },
    { name: 'step', tensor: { dtype: 'i64', shape: [], data: new Uint8Array(new BigInt64Array([BigInt(step)]).buffer) } },
  ];
}

function relL2(a: Tensor, b: Tensor): number {
  const x = toFloat64(a);
  const y = toFloat64(b);
  let e = 0;
  let n = 0;
  x.forEach((v, i) => {
    e += (v - y[i]) ** 2;
    n += v * v;
  });
  return Math.sqrt(e / n);
}

async function commitSeries(repo: Repository, dir: string, bound?: number) {
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(0)));
  await repo.add(['model.safetensors'], { cwd: dir });
  repo.commit('base');
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(1)));
  await repo.add(['model.safetensors'], { cwd: dir });
  return bound === undefined ? undefined : repo.commitLossy('fine-tuned', { maxRelError: bound });
}

const CHILD = fileURLToPath(new URL('./child/export-lossy.mjs', import.meta.url));

describe('lossy commits under a quality bound', () => {
  it('stores each new tensor as the smallest encoding within the bound and records the measured error', async () => {
    const { repo, dir } = newRepo(registryWith(deltaQuantized, deltaPq));
    const { commit, quality } = (await commitSeries(repo, dir, 1e-3))!;
    expect(commit.quality).toEqual(quality);
    expect(quality.lossy.length).toBeGreaterThan(0);
    const original = new Map(model(1).map((t) => [t.name, t.tensor]));
    for (const t of quality.lossy) {
      expect(t.relL2).toBeLessThanOrEqual(1e-3);
      expect(t.stored).not.toBe(t.original);
      // The recorded error is what checkout gives: measure it on the decoded tensor.
      const decoded = await repo.objects.get(t.stored, true);
      expect(relL2(original.get(t.tensor)!, decoded)).toBeCloseTo(t.relL2, 12);
      expect(repo.objects.info(t.stored)?.error?.relL2).toBe(t.relL2);
    }
    // The lossy objects beat the lossless encoding add chose for the same tensors.
    const stats = repo.stats();
    const lossyTypes = Object.entries(stats.byEncoding).filter(([, v]) => v.maxRelL2 !== undefined);
    expect(lossyTypes.length).toBeGreaterThan(0);
    for (const [, v] of lossyTypes) expect(v.maxRelL2).toBeLessThanOrEqual(1e-3);
    // Integers are never lossy; the tiny norm (changed by 1e-6 relative) is never stored as its reference.
    expect(quality.lossy.some((t) => t.tensor === 'step')).toBe(false);
    const norm = commit.tree['model.safetensors'].tensors.find((t) => t.name === 'norm.scale')!;
    const parentNorm = repo.commitAt('HEAD~1').tree['model.safetensors'].tensors.find((t) => t.name === 'norm.scale')!;
    expect(norm.hash).not.toBe(parentNorm.hash);
    // Checkout (a reopened repository) gives the decoded tensors; the added file is the source.
    repo.close();
    const again = Repository.open(dir, { registry: registryWith(deltaQuantized, deltaPq) });
    cleanups.push(() => again.close());
    expect(again.status().unstaged).toEqual([]);
    // Adding the file the lossy commit was made from changes nothing: its approximation is committed.
    const [report] = await again.add(['model.safetensors'], { cwd: dir });
    expect(report.storedBytes).toBe(0);
    expect(again.status().staged).toEqual([]);
    const file = commit.tree['model.safetensors'];
    expect(file.source).toBeDefined();
    rmSync(join(dir, 'model.safetensors'));
    await again.checkout('main', { force: true });
    const parsed = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))), 'checkout');
    for (const { name, tensor } of parsed.tensors) {
      const lossy = quality.lossy.find((t) => t.tensor === name);
      if (lossy) expect(relL2(original.get(name)!, tensor)).toBeCloseTo(lossy.relL2, 12);
      else expect(Buffer.from(tensor.data).equals(Buffer.from(original.get(name)!.data))).toBe(true);
    }
    expect((await again.fsck()).problems).toEqual([]);
  });

  it('never stores a changed tensor as its reference, even when a lossy type offers that for free', async () => {
    // Within the bound for every tensor that changed by less than the bound, and smaller than anything else.
    const { repo, dir } = newRepo(registryWith(keepReferencePlugin));
    const { commit, quality } = (await commitSeries(repo, dir, 1e-3))!;
    expect(quality.lossy).toEqual([]);
    const before = new Map(repo.commitAt('HEAD~1').tree['model.safetensors'].tensors.map((t) => [t.name, t.hash]));
    for (const t of commit.tree['model.safetensors'].tensors) expect(t.hash).not.toBe(before.get(t.name));
    // The norm scale changed by 1e-6 relative: the only "encoding" on offer was refused, so it stays lossless.
    expect(quality.lossless.find((f) => f.tensor === 'norm.scale')).toMatchObject({ reason: 'bound' });
    const exported = await repo.export('HEAD', { format: 'safetensors' });
    expect(Buffer.from(exported.bytes).equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
  });

  it('a bound nothing meets stores losslessly and says so; a lossless commit stays byte-exact', async () => {
    // pq-lossy only (sparse-threshold with a large keep fraction can be exact, which meets any bound).
    const { repo, dir } = newRepo(registryWith(deltaPq));
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(0)));
    await repo.add(['model.safetensors'], { cwd: dir });
    repo.commit('base');
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(1)));
    await repo.add(['model.safetensors'], { cwd: dir });
    const { quality } = await repo.commitLossy('too strict', { maxRelError: 1e-12 });
    expect(quality.lossy).toEqual([]);
    const fc1 = quality.lossless.find((f) => f.tensor === 'fc1.weight');
    expect(fc1).toMatchObject({ path: 'model.safetensors', reason: 'bound', bestEncoding: 'pq-lossy' });
    expect(fc1!.bestRelL2).toBeGreaterThan(1e-12);
    const exported = await repo.export('HEAD', { format: 'safetensors' });
    expect(exported.verbatim && Buffer.from(exported.bytes).equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
    await expect(repo.commitLossy('x', { maxRelError: -1 })).rejects.toThrow(/`maxRelError` must be a finite number > 0/);
    await expect(repo.commitLossy('x', { maxRelError: 1e-3, pqMinBytes: 1.5 })).rejects.toThrow(/`pqMinBytes` must be an integer >= 0/);
  });
});

describe('a lossy first commit (tensors with no reference: deltas against all zeros)', () => {
  /** Stores model(0) in a fresh repository under `bound` (lossless without one); bytes on disk after gc. */
  async function fresh(registry: Registry, bound?: number) {
    const { repo, dir } = newRepo(registry);
    // Plus an all-zero tensor (a freshly initialised bias): nothing lossy can code it but zeros.
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors([...model(0), { name: 'zeros', tensor: f32([256], new Float64Array(256)) }]));
    await repo.add(['model.safetensors'], { cwd: dir });
    const result = bound === undefined ? { commit: repo.commit('first'), quality: undefined } : await repo.commitLossy('first', { maxRelError: bound });
    await repo.gc(); // the lossless copies add wrote
    return { repo, dir, ...result, bytes: repo.stats().bytesOnDisk };
  }

  it('is smaller than lossless, within the bound, fsck clean, and decoded by a fresh process', async () => {
    const lossless = await fresh(registryWith(deltaQuantized, deltaPq));
    const { repo, dir, commit, quality, bytes } = await fresh(registryWith(deltaQuantized, deltaPq), 1e-2);
    const original = new Map([...model(0), { name: 'zeros', tensor: f32([256], new Float64Array(256)) }].map((t) => [t.name, t.tensor]));
    // No tensor had a reference; the weight matrices are now lossy, against the implicit zero tensor.
    const lossyNames = quality!.lossy.map((t) => t.tensor);
    expect(lossyNames).toEqual(expect.arrayContaining(['fc1.weight', 'fc2.weight']));
    for (const t of quality!.lossy) {
      expect(t.reference).toBe(ZERO_REFERENCE);
      expect(t.relL2).toBeLessThanOrEqual(1e-2);
      expect(t.relL2).toBeGreaterThan(0);
      const info = repo.objects.info(t.stored)!;
      expect(info.reference).toBe(ZERO_REFERENCE);
      expect(info.depth).toBe(1);
      const decoded = await repo.objects.get(t.stored, true); // re-hashed: the hash is the decoded bytes'
      expect(relL2(original.get(t.tensor)!, decoded)).toBeCloseTo(t.relL2, 12);
    }
    // Every float tensor was tried (lossy, or lossless with the reason); the integer never, nor the
    // all-zero tensor (it is its reference: not reported as a bound nothing met).
    expect([...lossyNames, ...quality!.lossless.map((f) => f.tensor)].sort()).toEqual(['fc1.bias', 'fc1.weight', 'fc2.weight', 'norm.scale']);
    expect(bytes).toBeLessThan(lossless.bytes);
    expect(commit.tree['model.safetensors'].source).toBeDefined();
    expect((await repo.fsck()).problems).toEqual([]);
    const stored = repo.objects.info(quality!.lossy.find((t) => t.tensor === 'fc1.weight')!.stored);
    expect(stored?.reference).toBe(ZERO_REFERENCE);
    expect(stored?.error?.maxAbs).toBeGreaterThan(0);
    // A fresh Node process exports the decoded tensors.
    repo.close();
    const child = spawnSync(process.execPath, [CHILD, dir, join(dir, 'child.safetensors')], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const exported = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'child.safetensors'))), 'child export');
    for (const { name, tensor } of exported.tensors) {
      const lossy = quality!.lossy.find((t) => t.tensor === name);
      if (lossy) expect(relL2(original.get(name)!, tensor)).toBeCloseTo(lossy.relL2, 12);
      else expect(Buffer.from(tensor.data).equals(Buffer.from(original.get(name)!.data))).toBe(true);
    }
    // The next checkpoint is a delta against the decoded first one; gc, clustering and checkout still decode all.
    const again = Repository.open(dir, { registry: registryWith(deltaQuantized, deltaPq) });
    cleanups.push(() => again.close());
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(1)));
    await again.add(['model.safetensors'], { cwd: dir });
    const next = await again.commitLossy('second', { maxRelError: 1e-2 });
    const fc1 = next.quality.lossy.find((t) => t.tensor === 'fc1.weight')!;
    expect(fc1.reference).toBe(quality!.lossy.find((t) => t.tensor === 'fc1.weight')!.stored);
    await again.gc();
    // Clustering leaves lossy objects alone, but walks every delta chain: the zero reference is a chain's end (depth 1).
    expect((await applyClusters(again, { registry: registryWith(deltaQuantized, deltaPq) })).depthUpdates).toBe(0);
    expect((await again.fsck()).problems).toEqual([]);
    rmSync(join(dir, 'model.safetensors'));
    await again.checkout('HEAD~1', { force: true });
    const first = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))), 'checkout');
    for (const { name, tensor } of first.tensors) {
      const lossy = quality!.lossy.find((t) => t.tensor === name);
      if (lossy) expect(relL2(original.get(name)!, tensor)).toBeCloseTo(lossy.relL2, 12);
    }
  }, 60_000); // spawns a Node process: slow on a loaded machine

  it('never stores a tensor as all zeros, and a bound nothing meets stores losslessly and says so', async () => {
    // Against zeros, every tensor would become zeros.
    const zeros = await fresh(registryWith(keepReferencePlugin), 1e30);
    expect(zeros.quality!.lossy).toEqual([]);
    expect((await zeros.repo.export('HEAD', { format: 'safetensors' })).bytes).toEqual(new Uint8Array(readFileSync(join(zeros.dir, 'model.safetensors'))));
    // pq-lossy only, at 1e-12: nothing meets it; the output names the tensors and the closest error.
    const { repo, dir } = newRepo(registryWith(deltaPq));
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(0)));
    await repo.add(['model.safetensors'], { cwd: dir });
    const { quality } = await repo.commitLossy('too strict', { maxRelError: 1e-12 });
    expect(quality.lossy).toEqual([]);
    const fc1 = quality.lossless.find((f) => f.tensor === 'fc1.weight');
    expect(fc1).toMatchObject({ reason: 'bound', bestEncoding: 'pq-lossy' });
    expect(fc1!.bestRelL2).toBeGreaterThan(1e-12);
    const exported = await repo.export('HEAD', { format: 'safetensors' });
    expect(exported.verbatim && Buffer.from(exported.bytes).equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
  });
});

describe('screening large tensors on a row sample', () => {
  /** A 256×256 layer (65,536 elements: screened) drifting by 2% of its scale per step, and a bias. */
  function layer(step: number): { name: string; tensor: Tensor }[] {
    const w = normals(9, 65536).map((v) => v * 0.05);
    for (let k = 1; k <= step; k++) normals(900 + k, 65536).forEach((v, i) => (w[i] += v * 0.001));
    return [
      { name: 'big.weight', tensor: f32([256, 256], w) },
      { name: 'big.bias', tensor: f32([256], normals(7 + step, 256)) },
    ];
  }

  /** The real lossy types, each wrapped to count its encodings of the whole 256×256 layer. */
  function countingRegistry(counter: { full: number }): Registry {
    const types = registryWith(deltaQuantized, deltaPq).deltaTypes().filter((p) => !p.lossless);
    const wrapped = definePlugin({
      name: 'counting', apiVersion: PLUGIN_API_VERSION,
      register: (host) => {
        for (const p of types) {
          host.registerDeltaType({ ...p, encode: (target, reference, options) => {
            if (target.shape[0] === 256) counter.full++;
            return p.encode(target, reference, options);
          } });
        }
      },
    });
    return registryWith(wrapped);
  }

  it('chooses the same encodings, bytes and errors as encoding every setting in full', async () => {
    const results = [];
    const counts: number[] = [];
    for (const screen of [true, false]) {
      const counter = { full: 0 };
      const { repo, dir } = newRepo(countingRegistry(counter));
      const commits = [];
      for (const [step, bound] of [[0, 1e-2], [1, 1e-3], [2, 1e-4]] as const) {
        writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(layer(step)));
        await repo.add(['model.safetensors'], { cwd: dir });
        const { commit, quality } = await repo.commitLossy(`step ${step}`, { maxRelError: bound, screen });
        for (const t of quality.lossy) expect(t.relL2).toBeLessThanOrEqual(bound);
        commits.push({ tree: commit.tree, quality });
      }
      expect((await repo.fsck()).problems).toEqual([]);
      results.push(commits);
      counts.push(counter.full);
    }
    const [screened, full] = results;
    expect(screened[0].quality.lossy.map((t) => t.tensor)).toContain('big.weight');
    expect(screened).toEqual(full);
    // The screen did drop settings: fewer whole-layer encodings for the same result.
    expect(counts[0]).toBeLessThan(counts[1]);
  }, 60_000);

  it('samples every 8th row of the tensor and of its reference alike, and leaves small tensors alone', () => {
    const t = f32([256, 256], Float64Array.from({ length: 65536 }, (_, i) => i));
    const r = f32([256, 256], Float64Array.from({ length: 65536 }, (_, i) => -i));
    const item = { path: 'p', name: 'n', hash: 'h', tensor: t, candidate: { hash: 'r', tensor: r, depth: 0, source: 'parent' }, losslessBytes: 0 };
    const sample = screenSample(item)!;
    expect(sample.tensor.shape).toEqual([32, 256]);
    expect(sample.candidate.tensor.shape).toEqual([32, 256]);
    const x = toFloat64(sample.tensor);
    const y = toFloat64(sample.candidate.tensor);
    for (const row of [0, 1, 31]) {
      expect(x[row * 256]).toBe(row * 8 * 256);
      expect(x[row * 256 + 255]).toBe(row * 8 * 256 + 255);
      expect(y[row * 256 + 7]).toBe(-(row * 8 * 256 + 7));
    }
    expect(screenSample({ ...item, tensor: f32([128, 256], new Float64Array(32768)) })).toBeUndefined(); // below 64Ki elements
    expect(screenSample({ ...item, tensor: f32([8, 8192], new Float64Array(65536)) })).toBeUndefined(); // too few rows
  });
});

describe('shared PQ codebooks in the packs', () => {
  /** A repository whose only lossy type is pq-lossy, so the fine-tuned weights end up PQ-coded. */
  async function pqRepo() {
    const registry = registryWith(deltaPq);
    const { repo, dir } = newRepo(registry);
    const result = (await commitSeries(repo, dir, 0.2))!;
    return { repo, dir, registry, ...result };
  }

  it('stores one codebook under /pq_codebooks, shared by the PQ-coded tensors, counted in stats, decoded in a fresh process', async () => {
    const { repo, dir, quality } = await pqRepo();
    const pq = quality.lossy.filter((t) => t.encoding === 'pq-lossy');
    expect(pq.map((t) => t.tensor).sort()).toEqual(['fc1.weight', 'fc2.weight']); // bias and norm below 1 KiB
    expect(quality.codebooks).toHaveLength(1);
    const [book] = quality.codebooks;
    for (const t of pq) expect(repo.objects.info(t.stored)?.codebook).toBe(book);
    const stats = repo.stats();
    expect(stats.codebooks.count).toBe(1);
    expect(stats.codebooks.bytes).toBe(256 * 8 * 4); // 2^8 centroids of 8 float32 values
    const fc1 = repo.objects.info(pq.find((t) => t.tensor === 'fc1.weight')!.stored);
    expect(fc1).toMatchObject({ encoding: 'pq-lossy', codebook: book });
    expect(fc1?.error?.maxAbs).toBeGreaterThan(0);
    // The payloads hold no centroids of their own: the codebook exists once, in the pack.
    const pack = repo.objects.codebooks()[0].pack;
    const h5 = join(dir, '.reef', 'packs', `${pack}.h5`);
    if (spawnSync('h5dump', ['--version']).status === 0) {
      const dump = spawnSync('h5dump', ['-n', h5], { encoding: 'utf8' }).stdout;
      expect(dump).toContain(`/pq_codebooks/${book}/pq_codebook`);
      expect(dump.match(/pq_codebook\b/g)).toHaveLength(1);
    } else console.warn('h5dump not installed: skipping the external HDF5 check');
    // A fresh Node process, knowing only the plugins, exports the decoded tensors.
    repo.close();
    const child = spawnSync(process.execPath, [CHILD, dir, join(dir, 'child.safetensors')], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const exported = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'child.safetensors'))), 'child export');
    const again = Repository.open(dir, { registry: registryWith(deltaPq) });
    cleanups.push(() => again.close());
    for (const { name, tensor } of exported.tensors) {
      const hash = again.commitAt('HEAD').tree['model.safetensors'].tensors.find((t) => t.name === name)!.hash;
      expect(Buffer.from(tensor.data).equals(Buffer.from((await again.objects.get(hash, true)).data))).toBe(true);
    }
  }, 60_000); // spawns a Node process: slow on a loaded machine

  it('a later commit reuses a stored codebook instead of storing another', async () => {
    const { repo, dir, quality } = await pqRepo();
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(model(2)));
    await repo.add(['model.safetensors'], { cwd: dir });
    const next = await repo.commitLossy('step 2', { maxRelError: 0.2 });
    expect(next.quality.lossy.filter((t) => t.encoding === 'pq-lossy')).toHaveLength(2);
    expect(next.quality.codebooks).toEqual(quality.codebooks);
    expect(repo.stats().codebooks.count).toBe(1);
    expect((await repo.fsck()).problems).toEqual([]);
  });

  it('gc keeps a codebook while a commit uses it and removes it with the last user', async () => {
    const { repo } = await pqRepo();
    expect((await repo.gc()).codebooksRemoved).toBe(0);
    repo.objects.reload();
    expect(repo.objects.codebooks()).toHaveLength(1);
    expect((await repo.fsck()).problems).toEqual([]);
    // Drop the lossy commit: move main back to the base and forget the staged tree.
    await repo.checkout('HEAD~1', { force: true });
    repo.refs.set('heads', 'main', repo.resolve('HEAD'));
    repo.refs.setHead({ branch: 'main' });
    expect(await repo.gc()).toMatchObject({ codebooksRemoved: 1, commitsRemoved: 1 });
    repo.objects.reload();
    expect(repo.objects.codebooks()).toHaveLength(0);
    expect(repo.stats().codebooks).toEqual({ count: 0, bytes: 0 });
    expect((await repo.fsck()).problems).toEqual([]);
  });

  it('a codebook missing from a damaged copy: clear errors from fsck and checkout', async () => {
    const { repo, dir, quality, registry } = await pqRepo();
    repo.close();
    const [book] = quality.codebooks;
    // Copy 1: the pack no longer holds /pq_codebooks/<hash> although its manifest lists it.
    const { dir: copy, cleanup } = tempDir();
    cleanups.push(cleanup);
    cpSync(dir, copy, { recursive: true });
    const packs = join(copy, '.reef', 'packs');
    const store = new ObjectStore(packs, registry);
    const pack = store.codebooks()[0].pack;
    const listed = (JSON.parse(readFileSync(join(packs, `${pack}.json`), 'utf8')) as { objects: { hash: string }[] }).objects;
    const copies = [];
    for (const { hash } of listed) copies.push(await store.readEncoded(hash));
    const rewritten = (await store.writePack(copies, undefined, true))!;
    store.close();
    renameSync(join(packs, `${rewritten}.h5`), join(packs, `${pack}.h5`));
    rmSync(join(packs, `${rewritten}.json`));
    const damaged = Repository.open(copy, { registry });
    cleanups.push(() => damaged.close());
    const problems = (await damaged.fsck()).problems.join('\n');
    expect(problems).toContain(`/pq_codebooks/${book} is missing from the pack`);
    rmSync(join(copy, 'model.safetensors'));
    const err = await damaged.checkout('main', { force: true }).catch((e: unknown) => e);
    expect(isReefError(err) && (err as Error).message).toMatch(/\/pq_codebooks\/[0-9a-f]{64} is missing from the pack; the repository is damaged/);
    // Copy 2: the manifest no longer lists it: the objects that need it say so.
    const { dir: copy2, cleanup: cleanup2 } = tempDir();
    cleanups.push(cleanup2);
    cpSync(dir, copy2, { recursive: true });
    const packs2 = join(copy2, '.reef', 'packs');
    for (const f of readdirSync(packs2).filter((x) => x.endsWith('.json'))) {
      const m = JSON.parse(readFileSync(join(packs2, f), 'utf8')) as { codebooks?: unknown };
      delete m.codebooks;
      writeFileSync(join(packs2, f), JSON.stringify(m));
    }
    const damaged2 = Repository.open(copy2, { registry });
    cleanups.push(() => damaged2.close());
    const problems2 = (await damaged2.fsck()).problems.join('\n');
    expect(problems2).toMatch(new RegExp(`needs PQ codebook ${book.slice(0, 12)}, which is missing from the repository`));
    expect(problems2).toMatch(new RegExp(`PQ codebook ${book.slice(0, 12)} is missing from the repository`));
  });
});

const LOSSY_CHILD = fileURLToPath(new URL('./child/commit-lossy.mjs', import.meta.url));

/** Runs the lossy-commit child until it reports `stage`, then kills it with SIGKILL. */
function commitAndKill(repoDir: string, stage: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOSSY_CHILD, repoDir, stage], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stages: string[] = [];
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        stages.push(line.replace(/^stage /, ''));
        if (line === `stage ${stage}`) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(stages) : reject(new Error(`child ended (${code}) without being killed: ${stderr}`))));
  });
}

describe('a lossy commit killed mid-way', () => {
  it('(SIGKILL at each write step) leaves earlier commits intact and fsck clean', async () => {
    const registry = registryWith(deltaQuantized);
    const { repo, dir } = newRepo(registry);
    await commitSeries(repo, dir); // base committed, the fine-tuned file staged
    const base = repo.resolve('HEAD');
    const baseFile = await repo.export(base, { format: 'safetensors' });
    repo.close();
    for (const stage of ['pack-written', 'pack-renamed', 'manifest-written', 'commit-written', 'ref-updated']) {
      expect(await commitAndKill(dir, stage)).toContain(stage);
      const after = Repository.open(dir, { registry });
      cleanups.push(() => after.close());
      expect((await after.fsck()).problems).toEqual([]);
      expect(Buffer.from((await after.export(base, { format: 'safetensors' })).bytes).equals(Buffer.from(baseFile.bytes))).toBe(true);
      // Before the ref moves HEAD is still the base; after, it is the whole lossy commit.
      const head = after.commitAt('HEAD');
      if (stage !== 'ref-updated') expect(head.hash).toBe(base);
      else {
        expect(head.quality?.lossy.length).toBeGreaterThan(0);
        expect((await after.export('HEAD', { format: 'safetensors' })).bytes.length).toBe(baseFile.bytes.length);
      }
      after.close();
    }
  }, 60_000);
});
