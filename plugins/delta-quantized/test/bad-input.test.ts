import { isReefError, type DeltaPayload, type Tensor } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { deltaType, tensorOf } from './helpers.js';

const IDS = ['int8', 'int16', 'sparse-threshold', 'low-rank'];

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (isReefError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a ReefError, got success');
}

const m = (dtype: Tensor['dtype'], values: number[], shape = [2, 2]) => tensorOf(dtype, shape, values);

describe.each(IDS)('%s refuses bad input with a clear ReefError', (id) => {
  const type = deltaType(id);
  const good = m('f32', [1, 2, 3, 4]);

  it('dtype mismatch between target and reference', async () => {
    const other = m('f64', [1, 2, 3, 4]);
    expect(type.supports?.(good, other)).toMatch(/target dtype f32 differs from reference dtype f64/);
    expect(await codeOf(() => type.encode(good, other))).toMatch(/^DIMENSION_MISMATCH: .*f32 differs from reference dtype f64/);
  });

  it('shape mismatch between target and reference', async () => {
    const other = m('f32', [1, 2, 3, 4], [4, 1]);
    expect(await codeOf(() => type.encode(good, other))).toMatch(/^DIMENSION_MISMATCH: .*shape \[2, 2\] differs from reference shape \[4, 1\]/);
  });

  it('non-float dtype', async () => {
    const ints: Tensor = { dtype: 'i32', shape: [2, 2], data: new Uint8Array(16) };
    expect(type.supports?.(ints, ints)).toMatch(/float dtypes .* not i32/);
    expect(await codeOf(() => type.encode(ints, ints))).toMatch(/^UNSUPPORTED: .*not i32/);
  });

  it('NaN or infinity in the delta', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const target = m('f32', [1, bad, 3, 4]);
      expect(await codeOf(() => type.encode(target, good))).toMatch(/^NON_FINITE: .*element 1 is target (NaN|-?Infinity)/);
    }
    // Finite tensors whose difference overflows float64 are refused too.
    const huge = m('f64', [1.7e308, 0, 0, 0]);
    const negHuge = m('f64', [-1.7e308, 0, 0, 0]);
    expect(await codeOf(() => type.encode(huge, negHuge))).toMatch(/^NON_FINITE/);
  });

  it('a malformed tensor (byte length does not match shape)', async () => {
    const broken: Tensor = { dtype: 'f32', shape: [2, 2], data: new Uint8Array(15) };
    expect(await codeOf(() => type.encode(broken, good))).toMatch(/^BAD_TENSOR: .*needs 16 bytes, got 15/);
  });

  it('an unknown parameter', async () => {
    expect(await codeOf(() => type.encode(good, good, { params: { nope: 1 } }))).toMatch(/^UNKNOWN_PARAM: .*'nope'/);
  });

  it('decoding against the wrong reference, a foreign payload, or a damaged payload', async () => {
    const payload = await type.encode(m('f32', [1, 2, 3, 5]), good);
    expect(await codeOf(() => type.decode(payload, m('f32', [1, 2, 3, 4, 5, 6], [2, 3])))).toMatch(/^DIMENSION_MISMATCH: .*encoded for "f32" \[2, 2\]/);
    expect(await codeOf(() => type.decode(payload, m('f16', [1, 2, 3, 4])))).toMatch(/^DIMENSION_MISMATCH/);
    const foreign: DeltaPayload = { arrays: payload.arrays, attributes: { ...payload.attributes, delta_type: 'xor' } };
    expect(await codeOf(() => type.decode(foreign, good))).toMatch(/^BAD_MODEL: payload is not a .* delta/);
    const firstArray = Object.keys(payload.arrays)[0];
    const damaged: DeltaPayload = { arrays: { ...payload.arrays, [firstArray]: { data: new Float32Array(1), shape: [1] } }, attributes: payload.attributes };
    expect(await codeOf(() => type.decode(damaged, good))).toMatch(/^BAD_MODEL: .*'/);
  });
});
