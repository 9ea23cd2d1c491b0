import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatasetAt, createGroupAt, createStringAttributeAt, h5wasm, openH5, readDataset } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'reef-hdf5-writes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const arrays = {
  u8: new Uint8Array([0, 1, 255, 7]),
  f32: new Float32Array([1.5, -0, Number.NaN, 3e38, -1e-40, 2]),
  f64: new Float64Array([Math.PI, -Math.E]),
  i32: new Int32Array([-5, 2 ** 31 - 1]),
  u32: new Uint32Array([0, 2 ** 32 - 1, 9]),
  i64: new BigInt64Array([-(2n ** 63n), 5n]),
  empty: new Uint8Array(0),
};

/** Writes the same objects with h5wasm's Group methods (`hl`) or the path-addressed writes. */
async function write(path: string, how: 'hl' | 'paths'): Promise<void> {
  const file = await openH5(path, 'w');
  try {
    if (how === 'hl') {
      const g = file.create_group('g');
      const inner = g.create_group('inner');
      for (const [name, data] of Object.entries(arrays)) inner.create_dataset({ name, data, shape: [data.length] });
      inner.create_dataset({ name: 'matrix', data: new Float32Array(6).fill(0.25), shape: [2, 3] });
      inner.create_attribute('json', JSON.stringify({ a: [1, 2], b: 'é' }));
      for (const [name, value] of [['fixed', 'weights/é'], ['blank', '']]) inner.create_attribute(name, value, null, `S${Math.max(1, Buffer.byteLength(value))}`);
    } else {
      const target = { file_id: file.file_id, path: createGroupAt({ file_id: file.file_id, path: createGroupAt(file, 'g') }, 'inner') };
      for (const [name, data] of Object.entries(arrays)) createDatasetAt(target, name, data, [data.length]);
      createDatasetAt(target, 'matrix', new Float32Array(6).fill(0.25), [2, 3]);
      createStringAttributeAt(target, 'json', JSON.stringify({ a: [1, 2], b: 'é' }), false);
      createStringAttributeAt(target, 'fixed', 'weights/é', true);
      createStringAttributeAt(target, 'blank', '', true);
    }
  } finally {
    file.close();
  }
}

describe('path-addressed writes', () => {
  it('write what h5wasm’s Group methods write: same objects, values, types and file size', async () => {
    await write(join(tmp, 'hl.h5'), 'hl');
    await write(join(tmp, 'paths.h5'), 'paths');
    expect(readFileSync(join(tmp, 'paths.h5')).length).toBe(readFileSync(join(tmp, 'hl.h5')).length);
    const [a, b] = [await openH5(join(tmp, 'hl.h5')), await openH5(join(tmp, 'paths.h5'))];
    try {
      const names = (f: typeof a) => (f.get('g/inner') as InstanceType<typeof h5wasm.Group>).keys().sort();
      expect(names(b)).toEqual(names(a));
      for (const name of names(a)) {
        const [x, y] = [readDataset(a, `g/inner/${name}`), readDataset(b, `g/inner/${name}`)];
        expect(y.shape).toEqual(x.shape);
        expect(y.dtype).toEqual(x.dtype);
        expect(Buffer.from((y.data as Uint8Array).buffer).equals(Buffer.from((x.data as Uint8Array).buffer))).toBe(true);
      }
      const attrs = (f: typeof a) => {
        const all = (f.get('g/inner') as InstanceType<typeof h5wasm.Group>).attrs;
        return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, { value: v.value, dtype: v.dtype, shape: v.shape }]));
      };
      expect(attrs(b)).toEqual(attrs(a));
      expect(attrs(b).fixed.value).toBe('weights/é');
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuse data that does not fill its shape, naming the dataset', async () => {
    const file = await openH5(join(tmp, 'bad.h5'), 'w');
    try {
      expect(() => createDatasetAt(file, 'x', new Float32Array(5), [2, 3])).toThrow(/dataset 'x'.*6 elements, the data 5/);
    } finally {
      file.close();
    }
  });
});
