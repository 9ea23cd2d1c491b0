import { describe, expect, it } from 'vitest';
import {
  LOSSY_FORMAT_VERSION,
  defineLossyDeltaType,
  float64ToTensor,
  measureError,
  readDeltaError,
  tensorToFloat64,
  type DeltaPayload,
  type LossyDeltaTypeSpec,
} from '../src/delta/index.js';
import { isReefError } from '../src/errors.js';
import { named } from '../src/portable.js';
import type { Tensor } from '../src/tensor.js';

/** A small lossy type for the tests: the delta rounded to multiples of `step`. */
function roundedSpec(overrides: Partial<LossyDeltaTypeSpec> = {}): LossyDeltaTypeSpec {
  return {
    id: 'rounded',
    label: 'Rounded delta',
    summary: 'delta rounded to multiples of step',
    params: [{ name: 'step', type: 'float', default: 0.25, min: 1e-9, description: 'grid step' }],
    presets: [{ step: 0.1 }],
    encodeBody: ({ delta, params }) => {
      const step = params.step as number;
      return { arrays: { steps: named(Float64Array.from(delta, (d) => Math.round(d / step))) }, attributes: { step } };
    },
    decodeValues: (payload, referenceValues) => {
      const steps = payload.arrays.steps.data as Float64Array;
      const step = payload.attributes.step as number;
      return Float64Array.from(referenceValues, (r, i) => r + steps[i] * step);
    },
    ...overrides,
  };
}

const tensor = (dtype: Tensor['dtype'], shape: number[], values: number[]): Tensor => float64ToTensor(Float64Array.from(values), dtype, shape);

async function expectReefError(fn: () => unknown, code: string, message: RegExp): Promise<void> {
  try {
    await fn();
  } catch (err) {
    expect(isReefError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a ReefError');
}

describe('defineLossyDeltaType', () => {
  const type = defineLossyDeltaType(roundedSpec());
  const reference = tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
  const target = tensor('f32', [2, 3], [1.1, 2.3, 2.9, 4, 5.6, 6.05]);

  it('describes a lossy delta type with the spec’s id, params and presets', () => {
    expect(type).toMatchObject({ kind: 'delta', id: 'rounded', lossless: false, apiVersion: 1, presets: [{ step: 0.1 }] });
    expect(type.codebook).toBeUndefined();
  });

  it('writes the header and the error measured by decoding its own payload', async () => {
    const payload = (await type.encode(target, reference)) as DeltaPayload;
    expect(payload.attributes).toMatchObject({ delta_type: 'rounded', format_version: LOSSY_FORMAT_VERSION, dtype: 'f32', shape: [2, 3], step: 0.25 });
    const decoded = (await type.decode(payload, reference)) as Tensor;
    expect(decoded.dtype).toBe('f32');
    expect(decoded.shape).toEqual([2, 3]);
    // The recorded error is exactly what a checkout gives.
    expect(readDeltaError(payload)).toEqual(measureError(tensorToFloat64(target), tensorToFloat64(decoded)));
    expect(readDeltaError(payload).maxAbs).toBeGreaterThan(0);
    // Params reach the body: a finer grid, a smaller error.
    const fine = (await type.encode(target, reference, { params: { step: 0.01 } })) as DeltaPayload;
    expect(readDeltaError(fine).relL2).toBeLessThan(readDeltaError(payload).relL2);
  });

  it('awaits an asynchronous body', async () => {
    const asyncType = defineLossyDeltaType(roundedSpec({ encodeBody: async (input) => roundedSpec().encodeBody(input) }));
    const result = asyncType.encode(target, reference);
    expect(result).toBeInstanceOf(Promise);
    expect(readDeltaError(await result)).toEqual(readDeltaError(await type.encode(target, reference)));
  });

  it('awaits an asynchronous decoder, at decode time and when measuring the error', async () => {
    const asyncType = defineLossyDeltaType(roundedSpec({ decodeValues: async (...args) => roundedSpec().decodeValues(...args) }));
    const payload = asyncType.encode(target, reference);
    expect(payload).toBeInstanceOf(Promise);
    expect(readDeltaError(await payload)).toEqual(readDeltaError(await type.encode(target, reference)));
    const decoded = asyncType.decode(await payload, reference);
    expect(decoded).toBeInstanceOf(Promise);
    expect(await decoded).toEqual(await type.decode(await payload, reference));
  });

  it('clamps decoded values to the dtype’s largest finite value instead of rounding to infinity', async () => {
    const ref = tensor('f16', [2], [65000, -65000]);
    const tgt = tensor('f16', [2], [65504, -65504]);
    const overshoot = defineLossyDeltaType(roundedSpec({ decodeValues: () => Float64Array.from([70000, -70000]) }));
    const payload = await overshoot.encode(tgt, ref);
    expect(tensorToFloat64((await overshoot.decode(payload, ref)) as Tensor)).toEqual(Float64Array.from([65504, -65504]));
    expect(readDeltaError(payload)).toEqual({ maxAbs: 0, relL2: 0 });
  });

  it('refuses other dtypes and shapes, non-float dtypes and non-finite deltas, naming the problem', async () => {
    await expectReefError(() => type.encode(tensor('f64', [2, 3], [1, 2, 3, 4, 5, 6]), reference), 'DIMENSION_MISMATCH', /target dtype f64 differs from reference dtype f32/);
    await expectReefError(() => type.encode(tensor('f32', [3, 2], [1, 2, 3, 4, 5, 6]), reference), 'DIMENSION_MISMATCH', /target shape \[3, 2\] differs from reference shape \[2, 3\]/);
    const ints: Tensor = { dtype: 'i32', shape: [2], data: new Uint8Array(8) };
    expect(type.supports?.(ints, ints)).toMatch(/float dtypes .* not i32/);
    await expectReefError(() => type.encode(ints, ints), 'UNSUPPORTED', /lossy deltas apply to float dtypes/);
    await expectReefError(() => type.encode(tensor('f32', [2], [1, NaN]), tensor('f32', [2], [1, 2])), 'NON_FINITE', /element 1 is target NaN − reference 2/);
    await expectReefError(() => type.encode(target, reference, { params: { stepp: 1 } }), 'UNKNOWN_PARAM', /stepp/);
  });

  it('adds the spec’s own refusals to the common ones', async () => {
    const vectorsOnly = defineLossyDeltaType(roundedSpec({ supports: (t) => (t.shape.length === 1 ? undefined : 'needs a 1-D tensor') }));
    expect(vectorsOnly.supports?.(target, reference)).toBe('needs a 1-D tensor');
    await expectReefError(() => vectorsOnly.encode(target, reference), 'UNSUPPORTED', /rounded cannot encode this tensor: needs a 1-D tensor/);
  });

  it('refuses to decode a payload of another type, format version or tensor', async () => {
    const payload = (await type.encode(target, reference)) as DeltaPayload;
    const other = { ...payload, attributes: { ...payload.attributes, delta_type: 'int8' } };
    await expectReefError(() => type.decode(other, reference), 'BAD_MODEL', /payload is not a rounded delta \(delta_type "int8"\)/);
    const future = { ...payload, attributes: { ...payload.attributes, format_version: 2 } };
    await expectReefError(() => type.decode(future, reference), 'BAD_MODEL', /format_version 2; this plugin reads 1/);
    await expectReefError(() => type.decode(payload, tensor('f32', [6], [1, 2, 3, 4, 5, 6])), 'DIMENSION_MISMATCH', /encoded for "f32" \[2, 3\], but the reference is f32 \[6\]/);
  });
});
