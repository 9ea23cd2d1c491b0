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

describe('bounded, guarded reading of foreign HDF5 files', () => {
  const hostile = join(fixtures, 'hostile');

  it('a damaged file is one ReefError line and HDF5 prints nothing while failing', async () => {
    const printed: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0) as typeof process.stderr.write;
    let message = '';
    try {
      await readAnnBenchmarks(join(hostile, 'h5-diag.hdf5')).catch((err: Error) => {
        message = err.message;
      });
    } finally {
      process.stderr.write = write;
    }
    expect(message).toMatch(/h5-diag\.hdf5: cannot read it as an ann-benchmarks HDF5 file: H5Gget_objinfo\(\): can't get info for object: '\/train' \(.+\)/);
    expect(message).not.toContain('\n');
    expect(printed.join('')).toBe('');
  });

  it('refuses arrays above the memory budget before reading them, and reads them within it', async () => {
    const fmnist = join(fixtures, 'fmnist-2k-784-euclidean.hdf5');
    await expect(readAnnBenchmarks(fmnist, 'f', { memoryBudget: 1_000_000 })).rejects.toThrow(
      /'train' \[2000 × 784\] needs 6272000 bytes in memory, above the memory budget of 1000000 bytes/,
    );
    const ds = await readAnnBenchmarks(fmnist, 'f', { memoryBudget: 8_000_000 });
    expect(ds.train.count).toBe(2000);
  });

  it('refuses NaN/Inf vectors naming the first bad row, and distances that are negative', async () => {
    const { openH5 } = await import('../src/index.js');
    const write = async (name: string, train: Float32Array, distances: Float32Array): Promise<string> => {
      const path = join(tmp, name);
      const f = await openH5(path, 'w');
      f.create_dataset({ name: 'train', data: train, shape: [4, 2] });
      f.create_dataset({ name: 'test', data: train.slice(0, 2), shape: [1, 2] });
      f.create_dataset({ name: 'neighbors', data: Int32Array.from([0, 1]), shape: [1, 2] });
      f.create_dataset({ name: 'distances', data: distances, shape: [1, 2] });
      f.close();
      return path;
    };
    const good = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const nan = good.slice();
    nan[5] = Number.NaN;
    await expect(readAnnBenchmarks(await write('nan.hdf5', nan, Float32Array.from([0, 1])))).rejects.toThrow(/nan\.hdf5: 'train' row 2 holds NaN at column 1/);
    await expect(readAnnBenchmarks(await write('neg.hdf5', good, Float32Array.from([0, -1])))).rejects.toThrow(/neg\.hdf5: distances row 0 holds -1/);
    expect((await readAnnBenchmarks(await write('ok.hdf5', good, Float32Array.from([0, 1])))).distances).toEqual(Float32Array.from([0, 1]));
  });

  it('an HDF5 abort becomes one line, and later calls in that process say why they cannot run', () => {
    // In a child: after abort() the wasm module cannot be used again in that process.
    const script = `
      import { h5ready, h5wasm, guardH5 } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      await h5ready();
      const path = ${JSON.stringify(join(hostile, 'h5-abort.hdf5'))};
      for (const doing of ['read its attributes', 'read it again']) {
        try {
          guardH5(path, doing, () => { const f = new h5wasm.File(path, 'r'); for (const a of Object.values(f.attrs)) void a.value; });
          console.log('read');
        } catch (err) {
          console.log(err.name + ' ' + err.code + ' ' + err.message);
        }
      }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ReefError BAD_FILE .*h5-abort\.hdf5: cannot read its attributes: the HDF5 library aborted while reading it \(the file is corrupt\)$/);
    expect(lines[1]).toMatch(/^ReefError BAD_FILE .*h5-abort\.hdf5: cannot read it again: the HDF5 library aborted earlier in this process on .*h5-abort\.hdf5; start a new process$/);
  }, 180_000);
});
