import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { Int8Rows } from '../src/index.js';

describe('int8 resident rows', () => {
  for (const dim of [16, 37, 784]) {
    it(`score the same floats in WASM and in JavaScript, close to the float64 sums (dim ${dim})`, () => {
      const rng = new Rng(dim);
      const count = 50;
      const wasm = new Int8Rows(count, dim);
      const js = new Int8Rows(count, dim, false);
      expect(wasm.stride).toBe(Math.ceil(dim / 16) * 16);
      const values = Int8Array.from({ length: count * wasm.stride }, (_, i) => (i % wasm.stride < dim ? Math.round((rng.float() - 0.5) * 255) : 0));
      wasm.rows.set(values);
      js.rows.set(values);
      const weights = new Float32Array(wasm.stride);
      for (let j = 0; j < dim; j++) weights[j] = rng.normal();
      const a = wasm.dots(weights, new Float32Array(count));
      const b = js.dots(weights, new Float32Array(count));
      expect(a).toEqual(b);
      for (let i = 0; i < count; i++) {
        let exact = 0;
        let scale = 0;
        for (let j = 0; j < dim; j++) {
          exact += values[i * wasm.stride + j] * weights[j];
          scale += Math.abs(values[i * wasm.stride + j] * weights[j]);
        }
        expect(Math.abs(a[i] - exact)).toBeLessThan(1e-5 * scale);
      }
    });
  }
});
