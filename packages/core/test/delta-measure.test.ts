import { describe, expect, it } from 'vitest';
import { MAX_ABS_ERROR, REL_L2_ERROR, UNBOUNDED_REL_L2, errorAttributes, measureError, readDeltaError } from '../src/delta/index.js';
import { isReefError } from '../src/errors.js';

const f64 = (...v: number[]): Float64Array => Float64Array.from(v);

function expectReefError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(isReefError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a ReefError');
}

describe('measureError: the one definition of max-abs and relative-L2 error', () => {
  it('gives the largest absolute difference and ‖t − d‖₂ / ‖t‖₂', () => {
    const target = f64(3, -4, 0, 12);
    const decoded = f64(3.5, -4, 0.25, 11);
    const e = measureError(target, decoded);
    expect(e.maxAbs).toBe(1);
    // ‖(−0.5, 0, −0.25, 1)‖ = √1.3125, ‖t‖ = 13.
    expect(e.relL2).toBeCloseTo(Math.sqrt(1.3125) / 13, 15);
  });

  it('is 0 for an exact decoding, whatever the target (a zero target included)', () => {
    expect(measureError(f64(1, -2, 3), f64(1, -2, 3))).toEqual({ maxAbs: 0, relL2: 0 });
    expect(measureError(f64(0, 0, 0), f64(0, 0, 0))).toEqual({ maxAbs: 0, relL2: 0 });
    expect(measureError(f64(), f64())).toEqual({ maxAbs: 0, relL2: 0 });
  });

  it('gives a zero target decoded inexactly UNBOUNDED_REL_L2 (Number.MAX_VALUE): finite, JSON-safe, above any real bound', () => {
    const e = measureError(f64(0, 0, 0, 0), f64(0, 1e-30, 0, -2e-30));
    expect(UNBOUNDED_REL_L2).toBe(Number.MAX_VALUE);
    expect(e).toEqual({ maxAbs: 2e-30, relL2: UNBOUNDED_REL_L2 });
    // It survives the JSON that payload attributes and commit metadata are written as.
    expect(readDeltaError(JSON.parse(JSON.stringify({ arrays: {}, attributes: errorAttributes(e) })))).toEqual(e);
    // -0 is a zero target too.
    expect(measureError(f64(-0, 0), f64(0, 1)).relL2).toBe(UNBOUNDED_REL_L2);
  });

  it('does not overflow on values near the float64 limit, nor lose tiny ones', () => {
    const big = measureError(f64(1e300, -1e300), f64(1.001e300, -1e300));
    expect(big.relL2).toBeCloseTo(0.001 / Math.SQRT2, 12);
    const tiny = measureError(f64(3e-320, 4e-320), f64(0, 4e-320));
    expect(tiny.relL2).toBeCloseTo(3 / 5, 2); // subnormals: only a few significant bits
  });

  it('makes both measures NaN or Infinity when a difference is not finite', () => {
    const nan = measureError(f64(1, 2), f64(1, NaN));
    expect(nan.maxAbs).toBeNaN();
    expect(nan.relL2).toBeNaN();
    expect(measureError(f64(1, 2), f64(Infinity, 2))).toEqual({ maxAbs: Infinity, relL2: Infinity });
    expect(measureError(f64(Infinity), f64(Infinity)).maxAbs).toBeNaN(); // ∞ − ∞
  });

  it('refuses arrays of different lengths', () => {
    expectReefError(() => measureError(f64(1, 2), f64(1)), 'DIMENSION_MISMATCH', /1 decoded values against 2 target values/);
  });
});

describe('errorAttributes / readDeltaError', () => {
  it('record the error under max_abs_error and rel_l2_error and read it back', () => {
    const attributes = errorAttributes({ maxAbs: 0.5, relL2: 0.01 });
    expect(attributes).toEqual({ [MAX_ABS_ERROR]: 0.5, [REL_L2_ERROR]: 0.01 });
    expect(readDeltaError({ arrays: {}, attributes })).toEqual({ maxAbs: 0.5, relL2: 0.01 });
  });

  it('refuse a non-finite error and a payload that records none', () => {
    expectReefError(() => errorAttributes({ maxAbs: Infinity, relL2: Infinity }), 'NON_FINITE', /max abs Infinity, relative L2 Infinity/);
    expectReefError(() => errorAttributes({ maxAbs: 1, relL2: NaN }), 'NON_FINITE', /relative L2 NaN/);
    expectReefError(() => readDeltaError({ arrays: {}, attributes: { max_abs_error: 1 } }), 'BAD_MODEL', /records no measured error/);
  });
});
