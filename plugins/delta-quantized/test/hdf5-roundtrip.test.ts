import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeltaPayload, Tensor } from '@reef/core';
import { h5wasm, openH5, readPortable, writePortable } from '@reef/hdf5';
import { Rng } from '@reef/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { float64ToTensor, readDeltaError } from '@reef/core/delta';
import { deltaType, fineTuned, fixtureTensor, tensorOf } from './helpers.js';

// Payloads go to the store as HDF5 groups: they must come back from a file and decode the same,
// including the degenerate ones (nothing kept, rank 0, empty tensors).
const dir = mkdtempSync(join(tmpdir(), 'reef-delta-quantized-'));
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

describe('payloads survive an HDF5 file', () => {
  const rng = new Rng(17);
  const weight = fixtureTensor('f32', '0.weight');
  const tuned = fineTuned(weight, rng);
  const zeros = (shape: number[]): Tensor => float64ToTensor(new Float64Array(shape.reduce((a, b) => a * b, 1)), 'bf16', shape);
  const cases: [string, Record<string, string | number>, Tensor, Tensor][] = [
    ['int8', {}, tuned, weight],
    ['int16', { granularity: 'tensor' }, tuned, weight],
    ['int8', {}, tensorOf('f16', [0, 3], []), tensorOf('f16', [0, 3], [])],
    ['sparse-threshold', { keep_fraction: 0.2 }, tuned, weight],
    ['sparse-threshold', { keep_fraction: 0.2, index_coding: 'uint32' }, tuned, weight],
    ['sparse-threshold', { threshold: 1 }, tuned, weight], // nothing kept
    ['low-rank', { rank: 4 }, tuned, weight],
    ['low-rank', {}, zeros([3, 5]), zeros([3, 5])], // rank 0
  ];
  cases.forEach(([id, params, target, reference], i) => {
    it(`${id} ${JSON.stringify(params)} [${target.shape.join(', ')}]`, async () => {
      const type = deltaType(id);
      const payload = await type.encode(target, reference, { params });
      const back = await throughHdf5(payload, `case-${i}`);
      expect(readDeltaError(back)).toEqual(readDeltaError(payload));
      const direct = await type.decode(payload, reference);
      const fromFile = await type.decode(back, reference);
      expect(Buffer.from(fromFile.data).equals(Buffer.from(direct.data))).toBe(true);
    });
  });
});
