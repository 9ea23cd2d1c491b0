import type { Tensor } from '@reef/core';
import { expectReefError } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import { xorDeflate } from '../src/index.js';

const tensor = (values: number[]): Tensor => ({ dtype: 'f32', shape: [values.length], data: new Uint8Array(Float32Array.from(values).buffer) });
const reference = tensor([1, 2, 3, 4]);
const target = tensor([1, 2.5, 3, 4]);

// A store reads payloads back from disk: a damaged one must be refused by name, never decoded to garbage.
describe('xor-deflate payloads', () => {
  it('compresses an unchanged tensor to far less than its size', async () => {
    const big = tensor(Array.from({ length: 4096 }, (_, i) => Math.sin(i)));
    const payload = await xorDeflate.encode(big, big);
    expect(payload.arrays.xor.data.byteLength).toBeLessThan(big.data.length / 20);
  });

  it('refuses a payload whose deflate stream is damaged', async () => {
    const payload = await xorDeflate.encode(target, reference);
    const damaged = { ...payload, arrays: { xor: { data: new Uint8Array([1, 2, 3]), shape: [3] } } };
    await expectReefError(async () => xorDeflate.decode(damaged, reference), 'BAD_MODEL', 'deflate');
  });

  it('refuses a payload written by another delta type', async () => {
    const payload = await xorDeflate.encode(target, reference);
    const other = { ...payload, attributes: { ...payload.attributes, delta_type: 'float-diff' } };
    await expectReefError(async () => xorDeflate.decode(other, reference), 'BAD_MODEL', 'float-diff');
  });

  it('refuses a reference of another dtype', async () => {
    const f64: Tensor = { dtype: 'f64', shape: [2], data: new Uint8Array(16) };
    await expectReefError(async () => xorDeflate.encode(target, f64), 'UNSUPPORTED', 'f64');
  });
});
