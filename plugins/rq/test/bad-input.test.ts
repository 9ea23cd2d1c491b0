import { vectors } from '@reef/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { rqPlugin, type ResidualQuantizer } from '../src/index.js';
import { blobs } from './data.js';

const DIM = 8;
const train = blobs(200, DIM, 3);

describe('RQ refuses bad parameters', () => {
  it.each([
    [{ stages: 0 }, /stages.*at least 1.*got 0/],
    [{ stages: 17 }, /stages.*at most 16.*got 17/],
    [{ nbits: 9 }, /nbits.*at most 8.*got 9/],
    [{ beam: 0 }, /beam.*at least 1/],
    [{ beam: 2.5 }, /beam.*integer.*2\.5/],
    [{ refine: -1 }, /refine.*at least 0/],
  ])('%j', (params, pattern) => {
    expectReefError(() => rqPlugin.create(params), 'INVALID_PARAM', pattern);
  });

  it('names the parameters it has when given an unknown one', () => {
    expectReefError(() => rqPlugin.create({ m: 4 }), 'UNKNOWN_PARAM', /'m'.*stages, nbits, beam/);
  });
});

describe('RQ refuses bad data', () => {
  it('needs at least 2^nbits training vectors', async () => {
    const q = rqPlugin.create({ stages: 2, nbits: 6 });
    await expectReefError(() => q.fit(blobs(63, DIM)), 'TOO_FEW_POINTS', /63 vectors.*64/);
  });

  it('refuses an empty or non-finite training set', async () => {
    const q = rqPlugin.create({ stages: 2, nbits: 2 });
    await expectReefError(() => q.fit(vectors(new Float32Array(0), DIM)), 'EMPTY_DATA', /empty/);
    const data = train.data.slice();
    data[5 * DIM + 3] = NaN;
    await expectReefError(() => q.fit(vectors(data, DIM)), 'NON_FINITE', /NaN at vector 5, component 3/);
  });

  it('refuses to encode, decode or search before training', () => {
    const q = rqPlugin.create({ stages: 2, nbits: 2 });
    expectReefError(() => q.encode(train), 'NOT_TRAINED', /not trained/);
    expectReefError(() => q.decode(new Uint8Array(1)), 'NOT_TRAINED', /not trained/);
    expectReefError(() => q.save(), 'NOT_TRAINED', /not trained/);
    expect(q.search).toBeUndefined();
  });
});

describe('a trained RQ refuses bad input', () => {
  let q: ResidualQuantizer;
  beforeAll(async () => {
    q = rqPlugin.create({ stages: 3, nbits: 4, niter: 3, refine: 1 }) as ResidualQuantizer;
    await q.fit(train);
  });

  it('refuses vectors and queries of another dimension', () => {
    expectReefError(() => q.encode(blobs(4, DIM + 1)), 'DIMENSION_MISMATCH', /dimension 9.*dimension 8/);
    expectReefError(() => q.search!.prepare(new Float32Array(DIM - 1), 'l2'), 'DIMENSION_MISMATCH', /dimension 7.*dimension 8/);
  });

  it('refuses non-finite vectors and queries', () => {
    const data = train.data.slice(0, 2 * DIM);
    data[DIM] = Infinity;
    expectReefError(() => q.encode(vectors(data, DIM)), 'NON_FINITE', /Infinity at vector 1/);
    const query = new Float32Array(DIM);
    query[2] = NaN;
    expectReefError(() => q.search!.prepare(query, 'ip'), 'NON_FINITE', /NaN/);
  });

  it('refuses an unknown metric', () => {
    expectReefError(() => q.search!.prepare(new Float32Array(DIM), 'cosine' as 'l2'), 'INVALID_PARAM', /cosine/);
  });

  it('refuses codes of the wrong length', () => {
    expect(q.codeSize).toBe(2);
    expectReefError(() => q.decode(new Uint8Array(3)), 'BAD_CODES', /3 bytes.*2-byte/);
    const search = q.search!.prepare(new Float32Array(DIM), 'l2');
    expectReefError(() => search.distances(new Uint8Array(5)), 'BAD_CODES', /5 bytes/);
  });

  it('refuses saved models that do not fit their parameters', () => {
    const saved = q.save();
    expectReefError(() => rqPlugin.load({ ...saved, pluginId: 'pq' }), 'BAD_MODEL', /"pq"/);
    expectReefError(() => rqPlugin.load({ ...saved, params: { ...saved.params, stages: 4 } }), 'BAD_MODEL', /codebooks.*elements/);
    expectReefError(() => rqPlugin.load({ ...saved, params: { ...saved.params, nbits: 99 } }), 'BAD_MODEL', /nbits/);
    const books = saved.arrays.codebooks.data.slice() as Float32Array;
    books[7] = NaN;
    expectReefError(
      () => rqPlugin.load({ ...saved, arrays: { codebooks: { data: books, shape: saved.arrays.codebooks.shape } } }),
      'BAD_MODEL',
      /NaN at element 7/,
    );
  });
});
