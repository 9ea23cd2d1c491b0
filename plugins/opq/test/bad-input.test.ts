import { Registry } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import plugin, { OptimizedProductQuantizer } from '../src/index.js';
import { gaussian } from './helpers.js';

const quick = { niter: 2, niterPqFirst: 2, niterPq: 1, niterFinal: 2 };

describe('OPQ bad input', () => {
  it('refuses nbits out of range and an outDim or m that does not fit the dimension', async () => {
    await expectReefError(() => new OptimizedProductQuantizer({ nbits: 20 }), 'INVALID_PARAM', /nbits.*20/);
    const registry = new Registry();
    registry.use(plugin);
    await expectReefError(() => registry.createQuantizer('opq', { outDim: 9 }, 8), 'INVALID_PARAM', /outDim=9.*dimension 8/);
    await expectReefError(() => registry.createQuantizer('opq', { m: 5, outDim: 4 }, 8), 'INVALID_PARAM', /m=5.*rotated dimension 4/);
    await expectReefError(() => new OptimizedProductQuantizer({ m: 9, nbits: 2 }).fit(gaussian(100, 8)), 'INVALID_PARAM', /m=9.*dimension 8/);
  });

  it('refuses NaN in training data and fewer vectors than centroids', async () => {
    const data = gaussian(100, 8);
    data.data[17] = NaN;
    await expectReefError(() => new OptimizedProductQuantizer({ m: 2, nbits: 2, ...quick }).fit(data), 'NON_FINITE', /NaN at vector 2, component 1/);
    await expectReefError(() => new OptimizedProductQuantizer({ m: 2, nbits: 8 }).fit(gaussian(100, 8)), 'TOO_FEW_POINTS', /256 centroids.*only 100/);
  });

  it('warns once under 39 training vectors per centroid', async () => {
    const q = new OptimizedProductQuantizer({ m: 2, nbits: 6, ...quick });
    await q.fit(gaussian(100, 8));
    expect(q.warnings).toHaveLength(1);
    expect(q.warnings[0]).toMatch(/100 training points for 64 centroids/);
  });

  it('refuses vectors of another dimension and codes of the wrong length', async () => {
    const q = new OptimizedProductQuantizer({ m: 3, nbits: 4, ...quick });
    expect(() => q.dim).toThrow(/not trained/);
    await q.fit(gaussian(100, 8));
    await expectReefError(() => q.encode(gaussian(2, 6)), 'DIMENSION_MISMATCH', /dimension 6.*dimension 8/);
    await expectReefError(() => q.decode(new Uint8Array(3)), 'BAD_CODES', /3 bytes.*2-byte/);
    await expectReefError(() => q.search.prepare(new Float32Array(9), 'ip'), 'DIMENSION_MISMATCH', /dimension 9/);
    const saved = q.save();
    await expectReefError(
      () => OptimizedProductQuantizer.load({ ...saved, arrays: { ...saved.arrays, rotation: { data: new Float32Array(3), shape: [3] } } }),
      'BAD_MODEL',
      /rotation.*64/,
    );
  });
});
