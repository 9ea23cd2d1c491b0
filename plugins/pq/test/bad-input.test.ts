import { Registry } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import plugin, { ProductQuantizer } from '../src/index.js';
import { gaussian } from './helpers.js';

describe('PQ bad input', () => {
  it('refuses nbits outside 1–16 and m < 1', async () => {
    await expectReefError(() => new ProductQuantizer({ nbits: 17 }), 'INVALID_PARAM', /nbits.*17/);
    await expectReefError(() => new ProductQuantizer({ nbits: 0 }), 'INVALID_PARAM', /nbits.*0/);
    await expectReefError(() => new ProductQuantizer({ m: 0 }), 'INVALID_PARAM', /'m'.*0/);
    await expectReefError(() => plugin.register({ apiVersion: 1, services: new Registry().services, registerQuantizer: (p) => p.create({ nbits: 2.5 }), registerDeltaType: () => {} }), 'INVALID_PARAM', /2\.5/);
  });

  it('refuses m larger than the dimension, at creation and at fit', async () => {
    const registry = new Registry();
    registry.use(plugin);
    await expectReefError(() => registry.createQuantizer('pq', { m: 9 }, 8), 'INVALID_PARAM', /m=9.*dimension 8/);
    await expectReefError(() => new ProductQuantizer({ m: 9, nbits: 2 }).fit(gaussian(100, 8)), 'INVALID_PARAM', /m=9.*dimension 8/);
  });

  it('refuses NaN and Inf in training data, naming the vector', async () => {
    const data = gaussian(100, 8);
    data.data[3 * 8 + 2] = NaN;
    await expectReefError(() => new ProductQuantizer({ m: 2, nbits: 2 }).fit(data), 'NON_FINITE', /NaN at vector 3, component 2/);
    data.data[3 * 8 + 2] = Infinity;
    await expectReefError(() => new ProductQuantizer({ m: 2, nbits: 2 }).fit(data), 'NON_FINITE', /Infinity/);
  });

  it('refuses fewer training vectors than centroids and warns under 39 per centroid', async () => {
    await expectReefError(() => new ProductQuantizer({ m: 2, nbits: 8 }).fit(gaussian(200, 8)), 'TOO_FEW_POINTS', /256 centroids.*only 200/);
    const warned: string[] = [];
    const pq = new ProductQuantizer({ m: 2, nbits: 6, niter: 2 }, { onWarning: (w) => warned.push(w) });
    await pq.fit(gaussian(200, 8));
    expect(pq.warnings).toHaveLength(1);
    expect(pq.warnings[0]).toMatch(/200 training points for 64 centroids.*39/);
    expect(warned).toEqual(pq.warnings);
    const enough = new ProductQuantizer({ m: 2, nbits: 2, niter: 2 });
    await enough.fit(gaussian(200, 8));
    expect(enough.warnings).toEqual([]);
  });

  it('refuses vectors of another dimension, codes of the wrong length, queries of the wrong size', async () => {
    const pq = new ProductQuantizer({ m: 3, nbits: 5, niter: 2 });
    await expectReefError(() => pq.encode(gaussian(2, 8)), 'NOT_TRAINED', /not trained/);
    await pq.fit(gaussian(100, 8));
    await expectReefError(() => pq.encode(gaussian(2, 9)), 'DIMENSION_MISMATCH', /dimension 9.*dimension 8/);
    expect(pq.codeSize).toBe(2);
    await expectReefError(() => pq.decode(new Uint8Array(5)), 'BAD_CODES', /5 bytes.*2-byte/);
    await expectReefError(() => pq.search.prepare(new Float32Array(7), 'l2'), 'DIMENSION_MISMATCH', /dimension 7/);
    const prepared = pq.search.prepare(new Float32Array(8), 'l2');
    await expectReefError(() => prepared.distances(new Uint8Array(3)), 'BAD_CODES', /3 bytes/);
  });

  it('refuses warm-start codebooks of another shape, niter < 1, and a transform matrix that does not fit', async () => {
    const pq = new ProductQuantizer({ m: 2, nbits: 3, niter: 2 });
    await pq.fit(gaussian(100, 6));
    await expectReefError(() => new ProductQuantizer({ m: 3, nbits: 3 }).fit(gaussian(100, 6), { warmStart: pq.codebooks }), 'INVALID_PARAM', /warmStart.*m=2.*m=3/);
    await expectReefError(() => new ProductQuantizer({ m: 2, nbits: 3 }).fit(gaussian(100, 8), { warmStart: pq.codebooks }), 'INVALID_PARAM', /dimension 6.*dimension 8/);
    await expectReefError(() => pq.fit(gaussian(100, 6), { niter: 0 }), 'INVALID_PARAM', /niter ≥ 1, got 0/);
    await expectReefError(() => pq.transformAsync(gaussian(3, 4), new Float32Array(7), 2), 'INVALID_PARAM', /4 × outDim matrix.*7 values for outDim=2/);
    await expectReefError(() => pq.transformAsync(gaussian(3, 4), new Float32Array(8), 2, new Float32Array(5)), 'INVALID_PARAM', /holds 5 values, 6 needed/);
    await expectReefError(() => pq.assignAsync(gaussian(3, 5)), 'DIMENSION_MISMATCH', /dimension 5/);
  });

  it('refuses saved models whose arrays do not fit their attributes', async () => {
    const pq = new ProductQuantizer({ m: 2, nbits: 2, niter: 2 });
    await pq.fit(gaussian(50, 6));
    const saved = pq.save();
    await expectReefError(() => ProductQuantizer.load({ ...saved, attributes: { ...saved.attributes, dim: 7 } }), 'BAD_MODEL', /centroids.*28/);
  });
});
