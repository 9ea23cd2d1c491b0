import type { DeltaPayload, Tensor } from '@reef/core';
import { readDeltaError } from '@reef/core/delta';
import { expectReefError, seededVectors } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import { roundedDelta } from '../src/index.js';

const f32 = (values: Float32Array): Tensor => ({ dtype: 'f32', shape: [values.length], data: new Uint8Array(values.buffer) });
// A "checkpoint" and a nearby "fine-tuned" one: the delta is small next to the weights.
const reference = seededVectors(1, 4096, { seed: 1 }).data;
const target = Float32Array.from(reference, (v, i) => v + 0.01 * Math.sin(i * 0.37));

describe('rounded-delta', () => {
  it('trades bits for error: fewer bits, a smaller payload and a larger recorded error', async () => {
    const fine = await roundedDelta.encode(f32(target), f32(reference), { params: { bits: 8 } });
    const coarse = await roundedDelta.encode(f32(target), f32(reference), { params: { bits: 4 } });
    expect(coarse.arrays.codes.data.byteLength).toBe(fine.arrays.codes.data.byteLength / 2);
    expect(readDeltaError(coarse).relL2).toBeGreaterThan(readDeltaError(fine).relL2);
  });

  it('decodes an unchanged tensor exactly', async () => {
    const payload = await roundedDelta.encode(f32(reference), f32(reference));
    expect(await roundedDelta.decode(payload, f32(reference))).toEqual(f32(reference));
  });

  it('refuses a payload whose bit width is out of range', async () => {
    const payload = await roundedDelta.encode(f32(target), f32(reference));
    const damaged: DeltaPayload = { ...payload, attributes: { ...payload.attributes, bits: 12 } };
    await expectReefError(async () => roundedDelta.decode(damaged, f32(reference)), 'BAD_MODEL', 'bits=12');
  });

  it('refuses a bit width outside its parameter range', () => {
    expectReefError(() => roundedDelta.encode(f32(target), f32(reference), { params: { bits: 1 } }), 'INVALID_PARAM', 'bits');
  });
});
