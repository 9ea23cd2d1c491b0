import { exactKnn, recallAtK } from '@reef/kernels';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelFile, readAnnBenchmarks, saveModelFile } from '../src/index.js';

const fixtures = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'reef-hdf5-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ann-benchmarks files written by h5py', () => {
  it('reads gzip-compressed float32 data whose exact neighbours match the file', async () => {
    const ds = await readAnnBenchmarks(join(fixtures, 'fmnist-2k-784-euclidean.hdf5'));
    expect([ds.train.count, ds.train.dim, ds.test.count]).toEqual([2000, 784, 100]);
    expect(ds.attributes.distance).toBe('euclidean');
    expect(ds.neighbors!.k).toBe(100);
    // Recompute ground truth from what we read: it must agree with h5py's stored neighbours.
    const mine = exactKnn(ds.train.data, 2000, ds.test.data, 100, 784, 10);
    expect(recallAtK(mine.ids, 10, ds.neighbors!.ids, 100, 100, 10)).toBeGreaterThan(0.99);
    // Stored distances are true L2, ours squared.
    expect(Math.sqrt(mine.scores[0])).toBeCloseTo(ds.distances![0], 0);
  });

  it('reads int64 neighbours (BigInt in h5wasm) and float64 distances', async () => {
    const ds = await readAnnBenchmarks(join(fixtures, 'gauss-500-16-euclidean.hdf5'));
    expect([ds.train.count, ds.train.dim, ds.test.count, ds.neighbors!.k]).toEqual([500, 16, 20, 10]);
    expect(ds.neighbors!.ids).toBeInstanceOf(Int32Array);
    const mine = exactKnn(ds.train.data, 500, ds.test.data, 20, 16, 10);
    expect(recallAtK(mine.ids, 10, ds.neighbors!.ids, 10, 20, 10)).toBe(1);
    expect(ds.distances![0]).toBeCloseTo(Math.sqrt(mine.scores[0]), 4);
  });

  it('refuses truncated and non-HDF5 files with the file name in the message', async () => {
    const bytes = readFileSync(join(fixtures, 'fmnist-2k-784-euclidean.hdf5'));
    const truncated = join(tmp, 'truncated.hdf5');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readAnnBenchmarks(truncated)).rejects.toThrow(/truncated\.hdf5/);
    const garbage = join(tmp, 'garbage.hdf5');
    writeFileSync(garbage, 'hello');
    await expect(readAnnBenchmarks(garbage)).rejects.toThrow(/garbage\.hdf5: .*not an HDF5 file/);
  });
});

describe('model files', () => {
  const model = {
    pluginId: 'demo',
    apiVersion: 1,
    params: { m: 8, kind: 'x', flag: true },
    arrays: {
      centroids: { data: Float32Array.from([1.5, -2, 3e-8, 4]), shape: [2, 2] },
      f64: { data: Float64Array.from([Math.PI]), shape: [1] },
      i32: { data: Int32Array.from([-7, 7]), shape: [2] },
      u8: { data: Uint8Array.from([0, 255]), shape: [2] },
      u16: { data: Uint16Array.from([65535]), shape: [1] },
      i64: { data: BigInt64Array.from([-(2n ** 62n)]), shape: [1] },
    },
    attributes: { dim: 784, nested: { a: [1, 2, null] }, name: 'sq' },
  };

  it('round-trips every array type, shape and attribute through a file', async () => {
    const file = join(tmp, 'model.h5');
    await saveModelFile(file, model);
    const back = await loadModelFile(file);
    expect(back.pluginId).toBe('demo');
    expect(back.params).toEqual(model.params);
    expect(back.attributes).toEqual(model.attributes);
    for (const [name, arr] of Object.entries(model.arrays)) {
      expect(back.arrays[name].data.constructor).toBe(arr.data.constructor);
      expect([...back.arrays[name].data]).toEqual([...arr.data]);
      expect(back.arrays[name].shape).toEqual(arr.shape);
    }
  });

  it('is readable by h5dump where installed', async () => {
    const which = spawnSync('h5dump', ['--version']);
    if (which.error) return; // hdf5-tools not installed on this machine
    const file = join(tmp, 'dump.h5');
    await saveModelFile(file, model);
    const out = execFileSync('h5dump', ['-A', file]).toString();
    expect(out).toContain('plugin_id');
    expect(out).toContain('"demo"');
  });

  it('refuses a file that is not a Reef model', async () => {
    const copy = join(tmp, 'ann.hdf5');
    copyFileSync(join(fixtures, 'gauss-500-16-euclidean.hdf5'), copy);
    await expect(loadModelFile(copy)).rejects.toThrow('is not a Reef quantizer model');
  });
});
