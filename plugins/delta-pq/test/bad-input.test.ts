import { isReefError, type Tensor } from '@reef/core';
import { float64ToTensor } from '@reef/core/delta';
import { describe, expect, it } from 'vitest';
import { deltaType, sameBytes } from './helpers.js';

async function failure(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (isReefError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a ReefError');
}

const t = (dtype: Tensor['dtype'], values: number[], shape = [values.length]) => float64ToTensor(Float64Array.from(values), dtype, shape);
const ramp = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => Math.sin(i + shift));

describe.each(['pq-lossy', 'pq-lossless'])('%s bad input', (id) => {
  const type = deltaType(id);
  const good = t('f32', ramp(64));

  it('refuses dtype and shape mismatches, non-float dtypes and tensors too small for PQ', async () => {
    expect(await failure(() => type.encode(good, t('f64', ramp(64))))).toMatch(/^DIMENSION_MISMATCH: .*f32 differs from reference dtype f64/);
    expect(await failure(() => type.encode(good, t('f32', ramp(64), [8, 8])))).toMatch(/^DIMENSION_MISMATCH: .*shape \[64\] differs/);
    const ints: Tensor = { dtype: 'i16', shape: [64], data: new Uint8Array(128) };
    expect(type.supports?.(ints, ints)).toMatch(/not i16/);
    expect(await failure(() => type.encode(ints, ints))).toMatch(/^UNSUPPORTED/);
    const tiny = t('f32', [1, 2, 3]);
    expect(type.supports?.(tiny, tiny)).toMatch(/3 elements makes 1 sub-vector/);
    expect(await failure(() => type.encode(tiny, tiny))).toMatch(/^UNSUPPORTED: .*PQ needs at least 2/);
    expect(await failure(() => type.encode(good, good, { params: { m: 9, sub_vector: 8 } }))).toMatch(/m=9 sub-quantizers exceeds sub_vector=8/);
  });

  it('refuses a payload decoded against the wrong reference, or with its codebook missing', async () => {
    const target = t('f32', ramp(64, 0.1));
    const payload = await type.encode(target, good, { params: { nbits: 2 } });
    expect(await failure(() => type.decode(payload, t('f32', ramp(72))))).toMatch(/^DIMENSION_MISMATCH/);
    const { pq_codebook: _dropped, ...rest } = payload.arrays;
    expect(await failure(() => type.decode({ arrays: rest, attributes: payload.attributes }, good))).toMatch(/^BAD_MODEL: .*'pq_codebook'/);
  });
});

describe('NaN in the delta', () => {
  const reference = t('f32', ramp(64));
  const target = t('f32', ramp(64).map((v, i) => (i === 5 ? NaN : v + 0.01)));
  it('pq-lossy refuses it', async () => {
    expect(await failure(() => deltaType('pq-lossy').encode(target, reference))).toMatch(/^NON_FINITE: .*element 5/);
  });
  it('pq-lossless keeps it, bit for bit', async () => {
    const type = deltaType('pq-lossless');
    const back = await type.decode(await type.encode(target, reference), reference);
    expect(sameBytes(back.data, target.data)).toBe(true);
  });
  it('pq-lossless refuses a damaged residual', async () => {
    const type = deltaType('pq-lossless');
    const payload = await type.encode(target, reference);
    const damaged = { arrays: { ...payload.arrays, residual: { data: new Uint8Array([1, 2, 3]), shape: [3] } }, attributes: payload.attributes };
    expect(await failure(() => type.decode(damaged, reference))).toMatch(/^BAD_MODEL: pq-lossless residual/);
  });
});
