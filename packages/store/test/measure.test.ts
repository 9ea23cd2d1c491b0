import { UNBOUNDED_REL_L2, float64ToTensor, measureError, tensorToFloat64 } from '@reef/core/delta';
import { describe, expect, it } from 'vitest';
import { measureTensorError } from '../src/quality.js';

/**
 * The store judges lossy encodings with the error measures the delta types record (one
 * definition, in @reef/core/delta): the same numbers on the same tensors, a zero tensor included.
 */
describe('measureTensorError', () => {
  const f32 = (...v: number[]) => float64ToTensor(Float64Array.from(v), 'f32', [v.length]);

  it('gives the delta types’ measure on every float dtype', () => {
    const original = [0.5, -1.25, 3, 1e-3];
    const decoded = [0.5, -1.2, 3.01, 0];
    for (const dtype of ['f64', 'f32', 'f16', 'bf16'] as const) {
      const a = float64ToTensor(Float64Array.from(original), dtype, [2, 2]);
      const b = float64ToTensor(Float64Array.from(decoded), dtype, [2, 2]);
      const e = measureTensorError(a, b);
      expect(e).toEqual(measureError(tensorToFloat64(a), tensorToFloat64(b)));
      expect(e.relL2).toBeGreaterThan(0.01);
      expect(e.relL2).toBeLessThan(0.03);
    }
  });

  it('measures a zero tensor decoded inexactly as UNBOUNDED_REL_L2 (finite, above any bound), and exactly as 0', () => {
    expect(measureTensorError(f32(0, 0, 0), f32(0, 1e-6, 0))).toEqual({ maxAbs: Math.fround(1e-6), relL2: UNBOUNDED_REL_L2 });
    expect(Number.isFinite(measureTensorError(f32(0, 0), f32(0, 1)).relL2)).toBe(true);
    expect(measureTensorError(f32(0, 0, 0), f32(0, 0, 0))).toEqual({ maxAbs: 0, relL2: 0 });
  });

  it('does not overflow on large f64 values', () => {
    const a = float64ToTensor(Float64Array.from([1e200, 2e200]), 'f64', [2]);
    const b = float64ToTensor(Float64Array.from([1e200, 2.002e200]), 'f64', [2]);
    expect(measureTensorError(a, b).relL2).toBeCloseTo(0.002 / Math.sqrt(5), 12); // ‖(0, 2e197)‖ / ‖(1e200, 2e200)‖: the squares would overflow;
  });
});
