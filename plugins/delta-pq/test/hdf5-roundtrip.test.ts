import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeltaPayload } from '@reef/core';
import { h5wasm, openH5, readPortable, writePortable } from '@reef/hdf5';
import { Rng } from '@reef/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { deltaType, fineTuned, fixtureTensor, sameBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'reef-delta-pq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function throughHdf5(payload: DeltaPayload, name: string): Promise<DeltaPayload> {
  const path = join(dir, `${name}.h5`);
  const file = await openH5(path, 'w');
  writePortable(file.create_group('delta'), payload);
  file.close();
  const again = await openH5(path, 'r');
  try {
    const group = again.get('delta');
    if (!(group instanceof h5wasm.Group)) throw new Error('no /delta group');
    return readPortable(group, path);
  } finally {
    again.close();
  }
}

describe('PQ payloads survive an HDF5 file', () => {
  for (const id of ['pq-lossy', 'pq-lossless']) {
    it(`${id} decodes the same from the file`, async () => {
      const reference = fixtureTensor('bf16', '0.weight');
      const target = fineTuned(reference, new Rng(5));
      const type = deltaType(id);
      const payload = await type.encode(target, reference);
      const back = await throughHdf5(payload, id);
      const fromFile = await type.decode(back, reference);
      expect(sameBytes(fromFile.data, (await type.decode(payload, reference)).data)).toBe(true);
      if (type.lossless) expect(sameBytes(fromFile.data, target.data)).toBe(true);
    });
  }
});
