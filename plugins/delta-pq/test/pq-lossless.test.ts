import { DTYPE_BYTES, type Tensor } from '@reef/core';
import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { encodeResidual } from '../src/index.js';
import { fineTuned, fixtureTensor, patternedUpdate, payloadBytes, roundTrip, sameBytes } from './helpers.js';

function randomBits(dtype: Tensor['dtype'], shape: number[], rng: Rng): Tensor {
  const data = new Uint8Array(shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype]);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { dtype, shape, data };
}

describe('pq-lossless delta type', () => {
  it('decodes byte-exactly: fine-tuned real weights in every float dtype', async () => {
    const rng = new Rng(1);
    for (const dtype of ['f32', 'f16', 'bf16', 'f64'] as const) {
      for (const name of ['0.weight', '2.weight', '0.bias']) {
        const reference = fixtureTensor(dtype, name);
        const target = fineTuned(reference, rng);
        const { decoded } = await roundTrip('pq-lossless', target, reference);
        expect(sameBytes(decoded.data, target.data), `${dtype} ${name}`).toBe(true);
      }
    }
  });

  it('decodes byte-exactly: random bit patterns (NaN payloads, ±0, ±Inf, subnormals)', async () => {
    const rng = new Rng(2);
    for (const dtype of ['f32', 'f16', 'bf16', 'f64'] as const) {
      const reference = randomBits(dtype, [64, 8], rng);
      const target = randomBits(dtype, [64, 8], rng);
      const { decoded } = await roundTrip('pq-lossless', target, reference, { nbits: 4 });
      expect(sameBytes(decoded.data, target.data), dtype).toBe(true);
    }
    const specials = new Float32Array([0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, 1.17e-38, 1, 2, 3, 4, 5, 6, 7]);
    const bytes = new Uint8Array(specials.buffer);
    new DataView(bytes.buffer).setUint32(16, 0x7fc0beef, true);
    const target: Tensor = { dtype: 'f32', shape: [16], data: bytes };
    const reference: Tensor = { dtype: 'f32', shape: [16], data: new Uint8Array(64) };
    expect(sameBytes((await roundTrip('pq-lossless', target, reference, { nbits: 1 })).decoded.data, bytes)).toBe(true);
  });

  it('beats a plain XOR-against-reference residual when the delta has structure PQ can learn', async () => {
    const rng = new Rng(3);
    const reference = fixtureTensor('f32', '0.weight');
    const target = patternedUpdate(reference, rng, 8, 16);
    const { payload, decoded } = await roundTrip('pq-lossless', target, reference, { m: 1, nbits: 4 });
    expect(sameBytes(decoded.data, target.data)).toBe(true);
    const plainXor = encodeResidual(target.data, reference.data, 4).length;
    expect(payloadBytes(payload)).toBeLessThan(plainXor * 0.75);
  });
});
