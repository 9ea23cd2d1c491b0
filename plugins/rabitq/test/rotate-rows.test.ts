import { Rng, randomOrthogonal } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { RaBitQModel } from '../src/model.js';

describe('rotating rows in blocks', () => {
  it('gives exactly the sums of rotating each row alone (blocks of four and the rest)', () => {
    const dim = 13;
    const rows = 7; // one block of four, then three alone
    const model = new RaBitQModel(new Float32Array(dim), randomOrthogonal(dim, new Rng(5)), 1);
    const rng = new Rng(9);
    const x = Float64Array.from({ length: rows * dim }, (_, i) => (i % 5 === 0 ? 0 : rng.normal()));
    const together = model.rotateRows(x, rows, new Float64Array(rows * dim));
    const back = model.rotateBackRows(together, rows, new Float64Array(rows * dim));
    for (let r = 0; r < rows; r++) {
      const row = x.slice(r * dim, (r + 1) * dim);
      const alone = model.rotate(row, new Float64Array(dim));
      expect(Array.from(together.subarray(r * dim, (r + 1) * dim))).toEqual(Array.from(alone));
      expect(Array.from(back.subarray(r * dim, (r + 1) * dim))).toEqual(Array.from(model.rotateBack(alone, new Float64Array(dim))));
      // And the rotation is undone (P orthogonal).
      for (let j = 0; j < dim; j++) expect(back[r * dim + j]).toBeCloseTo(row[j], 5);
    }
  });
});
