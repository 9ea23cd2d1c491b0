import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { exactKnn } from '@reef/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import {
  defaultCacheDir,
  assertWithinBudget, clusteredVectors, encodeVecs, gaussianVectors, holdOutQueries, loadDataset, maybeGunzip, parseIdx, parseNpy, parseVecs, readIdx, readNpy,
} from '../src/index.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const GAUSS = join(FIXTURES, 'gauss-500-16-euclidean.hdf5');
const FMNIST = join(FIXTURES, 'fmnist-2k-784-euclidean.hdf5');
const tmp = mkdtempSync(join(tmpdir(), 'reef-datasets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ann-benchmarks HDF5', () => {
  it('reads int64 neighbours and float64 distances (gauss fixture, written by h5py)', async () => {
    const d = await loadDataset(GAUSS);
    expect(d.name).toBe('gauss-500-16-euclidean');
    expect([d.base.count, d.base.dim, d.queries.count]).toEqual([500, 16, 20]);
    expect(d.groundTruth.origin).toBe('file');
    expect(d.groundTruth.k).toBe(10);
    // The file's neighbours agree with an exact search (ties aside, the nearest is the same).
    const mine = exactKnn(d.base.data, 500, d.queries.data, 20, 16, 10);
    for (let q = 0; q < 20; q++) expect(d.groundTruth.ids[q * 10]).toBe(mine.ids[q * 10]);
  });

  it('keeps the file\'s true distances and root attributes', async () => {
    const d = await loadDataset(GAUSS);
    expect(d.attributes).toMatchObject({ distance: 'euclidean', point_type: 'float', dimension: 16 });
    const { ids, k, distances } = d.groundTruth;
    expect(distances?.length).toBe(20 * k);
    // ann-benchmarks distances are plain (not squared) L2 to the listed neighbours, non-decreasing per query.
    for (let q = 0; q < 20; q++) {
      for (let j = 0; j < k; j++) {
        const id = ids[q * k + j];
        let s = 0;
        for (let c = 0; c < 16; c++) s += (d.queries.data[q * 16 + c] - d.base.data[id * 16 + c]) ** 2;
        expect(distances![q * k + j]).toBeCloseTo(Math.sqrt(s), 3);
        if (j > 0) expect(distances![q * k + j]).toBeGreaterThanOrEqual(distances![q * k + j - 1]);
      }
    }
    const five = await loadDataset(GAUSS, { queryCount: 5 });
    expect(Array.from(five.groundTruth.distances!)).toEqual(Array.from(distances!.subarray(0, 5 * k)));
  });

  it('normalises angular files and refuses distances it does not measure', async () => {
    const { openH5 } = await import('@reef/hdf5');
    const write = async (name: string, distance: string): Promise<string> => {
      const path = join(tmp, name);
      const f = await openH5(path, 'w');
      f.create_attribute('distance', distance);
      f.create_dataset({ name: 'train', data: Float32Array.from([3, 4, 0, 2, 6, 8]), shape: [3, 2] });
      f.create_dataset({ name: 'test', data: Float32Array.from([0, 5]), shape: [1, 2] });
      f.close();
      return path;
    };
    const d = await loadDataset(await write('angular.hdf5', 'angular'), { k: 2, cacheDir: tmp });
    expect(d.attributes.distance).toBe('angular');
    // Rows scaled to unit length, so L2 ranking is cosine ranking.
    expect(Array.from(d.base.data)).toEqual([0.6, 0.8, 0, 1, 0.6, 0.8].map(Math.fround));
    expect(Array.from(d.queries.data)).toEqual([0, 1]);
    await expectReefError(async () => loadDataset(await write('jaccard.hdf5', 'jaccard')), 'UNSUPPORTED', /jaccard/);
  });

  it('queryCount keeps the first n queries of a file and their ground-truth rows', async () => {
    const all = await loadDataset(GAUSS);
    const five = await loadDataset(GAUSS, { queryCount: 5 });
    expect(five.queries.count).toBe(5);
    expect(Array.from(five.queries.data)).toEqual(Array.from(all.queries.data.subarray(0, 5 * 16)));
    expect(Array.from(five.groundTruth.ids)).toEqual(Array.from(all.groundTruth.ids.subarray(0, 50)));
  });

  it('the bundled default is the fmnist-2k file with its int32 ground truth', async () => {
    const d = await loadDataset('default');
    expect(d.name).toBe('fmnist-2k');
    expect([d.base.count, d.base.dim, d.queries.count, d.groundTruth.k]).toEqual([2000, 784, 100, 100]);
    const fixture = await loadDataset(FMNIST);
    expect(Array.from(d.groundTruth.ids.subarray(0, 100))).toEqual(Array.from(fixture.groundTruth.ids.subarray(0, 100)));
  });

  it('refuses train/test of different dimensions and neighbours whose rows do not match the queries', async () => {
    const { openH5 } = await import('@reef/hdf5');
    const write = async (name: string, testDim: number, gtRows: number): Promise<string> => {
      const path = join(tmp, name);
      const f = await openH5(path, 'w');
      f.create_dataset({ name: 'train', data: new Float32Array(10 * 4), shape: [10, 4] });
      f.create_dataset({ name: 'test', data: new Float32Array(3 * testDim), shape: [3, testDim] });
      f.create_dataset({ name: 'neighbors', data: new Int32Array(gtRows * 2), shape: [gtRows, 2] });
      f.close();
      return path;
    };
    await expectReefError(async () => loadDataset(await write('dims.hdf5', 5, 3)), 'DIMENSION_MISMATCH', /train has dimension 4 but test has 5/);
    await expectReefError(async () => loadDataset(await write('gt.hdf5', 4, 2)), 'BAD_FILE', /neighbors has shape \[2, 2\] but there are 3 queries/);
  });

  it('reads train/test of any integer or float width (uint8, int16, int64, float64) and int64/uint32 neighbours', async () => {
    const { openH5 } = await import('@reef/hdf5');
    const rows = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]];
    const flat = rows.flat();
    const kinds: [string, ArrayLike<number | bigint>][] = [
      ['u8', Uint8Array.from(flat)],
      ['i16', Int16Array.from(flat.map((x) => -x))],
      ['i64', BigInt64Array.from(flat.map((x) => BigInt(x * 1000)))],
      ['f64', Float64Array.from(flat.map((x) => x + 0.5))],
    ];
    for (const [name, train] of kinds) {
      const path = join(tmp, `w-${name}.hdf5`);
      const f = await openH5(path, 'w');
      f.create_dataset({ name: 'train', data: train as never, shape: [4, 3] });
      f.create_dataset({ name: 'test', data: (train as Uint8Array).slice(0, 6) as never, shape: [2, 3] });
      const nb = name === 'u8' ? Uint32Array.from([0, 1, 1, 2]) : BigInt64Array.from([0n, 1n, 1n, 2n]);
      f.create_dataset({ name: 'neighbors', data: nb as never, shape: [2, 2] });
      f.close();
      const d = await loadDataset(path);
      const expected = Array.from(train as ArrayLike<number | bigint>, Number);
      expect(Array.from(d.base.data), name).toEqual(expected);
      expect(Array.from(d.queries.data), name).toEqual(expected.slice(0, 6));
      expect(Array.from(d.groundTruth.ids), name).toEqual([0, 1, 1, 2]);
      expect(d.groundTruth.origin).toBe('file');
    }
  });

  it('refuses a truncated file and a missing file with BAD_FILE naming the path', async () => {
    const cut = join(tmp, 'cut.hdf5');
    writeFileSync(cut, readFileSync(GAUSS).subarray(0, 20000));
    await expectReefError(() => loadDataset(cut), 'BAD_FILE', 'cut.hdf5');
    await expectReefError(() => loadDataset(join(tmp, 'nope.hdf5')), 'BAD_FILE', 'nope.hdf5');
  });
});

describe('.fvecs / .bvecs / .ivecs', () => {
  it('round-trips fvecs and ivecs and reads bvecs bytes', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);
    const back = parseVecs(encodeVecs(data, 4), 'fvecs');
    expect(back.count).toBe(3);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    const ids = Int32Array.from([5, -1, 7, 9]);
    expect(Array.from(parseVecs(encodeVecs(ids, 2), 'ivecs').data)).toEqual([5, -1, 7, 9]);
    const bvecs = new Uint8Array([3, 0, 0, 0, 1, 2, 255, 3, 0, 0, 0, 4, 5, 6]);
    const b = parseVecs(bvecs, 'bvecs');
    expect(b.dim).toBe(3);
    expect(Array.from(b.data)).toEqual([1, 2, 255, 4, 5, 6]);
  });

  it('refuses truncated files and inconsistent record dimensions', async () => {
    const bytes = encodeVecs(new Float32Array(8), 4);
    await expectReefError(() => parseVecs(bytes.subarray(0, bytes.length - 3), 'fvecs', 'x.fvecs'), 'BAD_FILE', /x\.fvecs.*truncated/);
    const bad = encodeVecs(new Float32Array(8), 4);
    new DataView(bad.buffer).setInt32(20, 3, true);
    await expectReefError(() => parseVecs(bad, 'fvecs'), 'BAD_FILE', 'record 1');
  });

  it('loads an .fvecs file with held-out queries and caches the exact ground truth in the cache folder, not beside the file', async () => {
    const all = gaussianVectors({ count: 300, dim: 8, seed: 3 });
    const folder = join(tmp, 'g-data');
    mkdirSync(folder);
    const file = join(folder, 'g.fvecs');
    writeFileSync(file, encodeVecs(all.data, 8));
    const cacheDir = join(tmp, 'g-cache');
    const steps: number[] = [];
    const first = await loadDataset(file, { queryCount: 30, k: 10, cacheDir, onProgress: (f, label) => label.startsWith('ground truth') && steps.push(f) });
    expect([first.base.count, first.queries.count]).toEqual([270, 30]);
    expect(first.groundTruth.origin).toBe('computed');
    expect(readdirSync(folder)).toEqual(['g.fvecs']);
    expect(readdirSync(cacheDir).filter((f) => f.includes('.gt-'))).toHaveLength(1);
    // Progress of the computation: from 0, rising, to 1.
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(1);
    expect(steps.every((f, i) => i === 0 || f > steps[i - 1])).toBe(true);
    const second = await loadDataset(file, { queryCount: 30, k: 10, cacheDir });
    expect(second.groundTruth.origin).toBe('cache');
    expect(Array.from(second.groundTruth.ids)).toEqual(Array.from(first.groundTruth.ids));
    // Held out: no query is a row of the base.
    const rows = new Set<string>();
    for (let i = 0; i < first.base.count; i++) rows.add(first.base.data.subarray(i * 8, i * 8 + 8).join());
    for (let q = 0; q < 30; q++) expect(rows.has(first.queries.data.subarray(q * 8, q * 8 + 8).join())).toBe(false);
  });

  it('caches ground truth under $XDG_CACHE_HOME/reef, never in the dataset folder, even one it could write (as root)', () => {
    // The dataset folder is read-only to others; as root (who may write anywhere, and did: issue 20)
    // the loader runs both as root and as `nobody`, and neither may leave anything beside the data.
    const root = mkdtempSync(join(tmpdir(), 'reef-ro-'));
    try {
      chmodSync(root, 0o755);
      const ro = join(root, 'datasets');
      const xdg = join(root, 'xdg-cache');
      mkdirSync(ro);
      mkdirSync(xdg, { mode: 0o777 });
      chmodSync(xdg, 0o777);
      writeFileSync(join(ro, 'r.fvecs'), encodeVecs(gaussianVectors({ count: 200, dim: 4, seed: 5 }).data, 4));
      chmodSync(ro, 0o555);
      const dist = pathToFileURL(join(import.meta.dirname, '../dist/index.js')).href;
      const script = `import { loadDataset } from ${JSON.stringify(dist)};
        const warnings = [];
        const opts = { queryCount: 20, k: 5, onWarning: (w) => warnings.push(w) };
        const a = await loadDataset(${JSON.stringify(join(ro, 'r.fvecs'))}, opts);
        const b = await loadDataset(${JSON.stringify(join(ro, 'r.fvecs'))}, opts);
        console.log(JSON.stringify({ origins: [a.groundTruth.origin, b.groundTruth.origin], same: a.groundTruth.ids.join() === b.groundTruth.ids.join(), warnings }));`;
      const users = process.getuid?.() === 0 ? [{}, { uid: 65534, gid: 65534 }] : [{}];
      for (const [i, user] of users.entries()) {
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', ...user, env: { ...process.env, XDG_CACHE_HOME: xdg } });
        expect(r.stderr).toBe('');
        const out = JSON.parse(r.stdout) as { origins: string[]; same: boolean; warnings: string[] };
        // Each user's run computes once (the first) and reads the cache after; root's cache serves nobody too.
        expect(out.origins).toEqual(i === 0 ? ['computed', 'cache'] : ['cache', 'cache']);
        expect(out.same).toBe(true);
        expect(out.warnings).toEqual([]);
        expect(readdirSync(ro)).toEqual(['r.fvecs']);
        expect(readdirSync(join(xdg, 'reef', 'datasets')).filter((f) => f.includes('.gt-'))).toHaveLength(1);
      }
    } finally {
      chmodSync(join(root, 'datasets'), 0o755);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds the cache folder: $XDG_CACHE_HOME/reef, else ~/.cache/reef; a relative XDG_CACHE_HOME is ignored', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/reef/datasets');
    expect(defaultCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/reef/datasets');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.cache/reef/datasets');
  });

  it('refuses a ground-truth file whose rows do not match the queries, and a query dimension mismatch', async () => {
    const all = gaussianVectors({ count: 100, dim: 4, seed: 1 });
    const file = join(tmp, 'm.fvecs');
    writeFileSync(file, encodeVecs(all.data, 4));
    const gt = join(tmp, 'm.gt.ivecs');
    writeFileSync(gt, encodeVecs(new Int32Array(7 * 5), 5));
    await expectReefError(() => loadDataset(file, { queryCount: 10, groundTruthFile: gt }), 'DIMENSION_MISMATCH', /7 rows.*10 queries/);
    const q = join(tmp, 'q.fvecs');
    writeFileSync(q, encodeVecs(new Float32Array(10), 5));
    await expectReefError(() => loadDataset(file, { queryFile: q }), 'DIMENSION_MISMATCH', /dimension 4.*5/);
  });
});

describe('.npy and IDX', () => {
  it('reads a numpy-written float32 matrix', () => {
    const w = readNpy(join(FIXTURES, 'tiny-mlp-fc0-weight.npy'));
    expect([w.count, w.dim]).toEqual([32, 64]);
    expect(w.data.every((x) => Number.isFinite(x) && Math.abs(x) < 1)).toBe(true);
  });

  it('reads float64 Fortran-order arrays and refuses truncated ones', async () => {
    const header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
    const padded = header.padEnd(118, ' ') + '\n';
    const head = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    const body = new Float64Array([1, 4, 2, 5, 3, 6]); // column-major of [[1,2,3],[4,5,6]]
    const bytes = new Uint8Array([...head, ...new TextEncoder().encode(padded), ...new Uint8Array(body.buffer)]);
    expect(Array.from(parseNpy(bytes).data)).toEqual([1, 2, 3, 4, 5, 6]);
    await expectReefError(() => parseNpy(bytes.subarray(0, bytes.length - 8), 'x.npy'), 'BAD_FILE', 'truncated');
  });

  it('reads gzip and plain IDX, flattening image dimensions', async () => {
    const header = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
    const plain = new Uint8Array([...header, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const bytes of [plain, new Uint8Array(gzipSync(plain))]) {
      const v = parseIdx(bytes);
      expect([v.count, v.dim]).toEqual([2, 6]);
      expect(Array.from(v.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
    await expectReefError(() => parseIdx(plain.subarray(0, 20), 'x-ubyte'), 'BAD_FILE', 'truncated');
    const file = join(tmp, 'imgs-idx3-ubyte.gz');
    writeFileSync(file, gzipSync(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 50, 0, 0, 0, 4, ...Array.from({ length: 200 }, (_, i) => (i * 37) % 256)])));
    const d = await loadDataset(file, { queryCount: 5, k: 3, cacheDir: tmp });
    expect([d.base.count, d.queries.count, d.base.dim, d.groundTruth.k]).toEqual([45, 5, 4, 3]);
  });
});

/** The Debian package dataset-fashion-mnist; skipped with a message where it is not installed. */
const DEBIAN_FMNIST = '/usr/share/datasets/fashion-mnist';
const haveFmnist = existsSync(join(DEBIAN_FMNIST, 't10k-images-idx3-ubyte.gz'));
if (!haveFmnist) console.warn(`readers: Fashion-MNIST IDX test SKIPPED — ${DEBIAN_FMNIST} absent (apt-get install dataset-fashion-mnist)`);

describe.skipIf(!haveFmnist)('Fashion-MNIST from the Debian package', () => {
  it('reads the gzipped IDX test images and labels', () => {
    const images = readIdx(join(DEBIAN_FMNIST, 't10k-images-idx3-ubyte.gz'));
    expect([images.count, images.dim]).toEqual([10000, 784]);
    let sum = 0;
    for (const x of images.data) sum += x;
    expect(sum).toBe(573469082); // numpy's sum of the same bytes
    const labels = readIdx(join(DEBIAN_FMNIST, 't10k-labels-idx1-ubyte.gz'));
    expect([labels.count, labels.dim]).toEqual([10000, 1]);
    expect(Array.from(labels.data.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });
});

describe('synthetic sets', () => {
  it('are seeded: same seed same data, different seed different data', async () => {
    expect(Array.from(gaussianVectors({ count: 5, dim: 3, seed: 9 }).data)).toEqual(Array.from(gaussianVectors({ count: 5, dim: 3, seed: 9 }).data));
    expect(gaussianVectors({ count: 5, dim: 3, seed: 9 }).data[0]).not.toBe(gaussianVectors({ count: 5, dim: 3, seed: 10 }).data[0]);
    const c = clusteredVectors({ count: 400, dim: 2, clusters: 2, spread: 0.01, seed: 4 });
    // Two tight clusters: every point sits within 0.1 of one of two locations.
    const centres: number[][] = [];
    for (let i = 0; i < 400; i++) {
      const p = [c.data[2 * i], c.data[2 * i + 1]];
      if (!centres.some((m) => Math.hypot(m[0] - p[0], m[1] - p[1]) < 0.1)) centres.push(p);
    }
    expect(centres.length).toBe(2);
    const d = await loadDataset('clustered:n=500,dim=8,clusters=4', { cacheDir: tmp, k: 10 });
    expect([d.base.count, d.queries.count]).toEqual([450, 50]);
    await expectReefError(() => loadDataset('gaussian:n=100,colour=3'), 'INVALID_PARAM', 'colour');
  });

  it('holdOutQueries keeps queries in the base only when asked', () => {
    const all = gaussianVectors({ count: 20, dim: 2 });
    expect(holdOutQueries(all, 5, 1).base.count).toBe(15);
    expect(holdOutQueries(all, 5, 1, true).base.count).toBe(20);
  });
});

describe('bounded readers', () => {
  it('refuses NaN/Inf vectors naming the first bad row', async () => {
    const rows = Float32Array.from({ length: 40 }, (_, i) => i);
    rows[13] = Number.POSITIVE_INFINITY;
    const path = join(tmp, 'inf.fvecs');
    writeFileSync(path, encodeVecs(rows, 4));
    await expectReefError(() => loadDataset(path), 'NON_FINITE', 'inf.fvecs: row 3 holds Infinity at column 1');
  });

  it('caps gzip output at the memory budget and refuses shapes above it before allocating', () => {
    const zeros = gzipSync(new Uint8Array(4_000_000));
    expectReefError(() => maybeGunzip(new Uint8Array(zeros), 'bomb.gz', 1_000_000), 'BAD_FILE', 'bomb.gz decompresses to more than the memory budget of 1000000 bytes');
    expectReefError(() => assertWithinBudget(2 ** 40, 'big.npy', 'shape (1048576, 262144) as float32', 2 ** 30), 'BAD_FILE', 'big.npy: shape (1048576, 262144) as float32 needs 1099511627776 bytes');
  });

  it('refuses a ground-truth file whose ids are outside the base', async () => {
    const base = join(tmp, 'gt-base.fvecs');
    writeFileSync(base, encodeVecs(Float32Array.from({ length: 200 }, (_, i) => i % 17), 4));
    const gt = join(tmp, 'gt-bad.ivecs');
    writeFileSync(gt, encodeVecs(Int32Array.from({ length: 10 }, (_, i) => (i === 7 ? 1_000_000 : i)), 2));
    const queries = join(tmp, 'gt-q.fvecs');
    writeFileSync(queries, encodeVecs(Float32Array.from({ length: 20 }, (_, i) => i), 4));
    await expectReefError(
      () => loadDataset(base, { queryFile: queries, groundTruthFile: gt }),
      'BAD_FILE',
      'gt-bad.ivecs: row 3 holds id 1000000, outside [0, 50)',
    );
  });
});
