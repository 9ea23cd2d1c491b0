import { fileURLToPath } from 'node:url';
import { readAnnBenchmarks, type AnnDataset } from '@reef/hdf5';
import { recallAtK, topK } from '@reef/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import { rqPlugin, type ResidualQuantizer } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/fmnist-2k-784-euclidean.hdf5', import.meta.url));
/** FAISS 1.7.3 RQ4x6 on the same data (fixtures/faiss-reference.json). */
const FAISS_RQ4X6 = { mse: 884234.8, recall10: 0.581 };

/** recall@10 of ADC top-10 against the file's exact neighbours. */
function recall10(q: ResidualQuantizer, ds: AnnDataset, codes: Uint8Array): number {
  const { test, neighbors } = ds;
  const found = new Int32Array(test.count * 10);
  for (let i = 0; i < test.count; i++) {
    const query = test.data.subarray(i * test.dim, (i + 1) * test.dim);
    const distances = q.search!.prepare(query, 'l2').distances(codes);
    found.set(topK(distances, 10).ids, i * 10);
  }
  return recallAtK(found, 10, neighbors!.ids, neighbors!.k, test.count, 10);
}

describe('RQ 4 × 6 bits on fmnist-2k (base = the 2000 train vectors, queries = the 100 test vectors)', () => {
  let ds: AnnDataset;
  let q: ResidualQuantizer;
  let codes: Uint8Array;
  beforeAll(async () => {
    ds = await readAnnBenchmarks(FIXTURE);
    // 5 Lloyd iterations per stage instead of 10 and plain k-means keep the test short (the default
    // progressive k-means spends most of its time on 784-d PCAs); the beam (5) and the refinement
    // rounds (2) are the defaults. The base is the training set, so the rounds are judged on it
    // (refineCheck 'train'), as FAISS's figures are measured on it too.
    q = rqPlugin.create({ stages: 4, nbits: 6, niter: 5, kmeans: 'plain', refineCheck: 'train' }) as ResidualQuantizer;
    await q.fit(ds.train);
    codes = q.encode(ds.train);
  }, 300_000);

  it('uses 3 bytes per vector, as FAISS, and the default beam of 5', () => {
    expect(q.params.beam).toBe(5); // not given above: the default, as FAISS's
    expect(q.codeSize).toBe(3);
    expect(codes.length).toBe(2000 * 3);
  });

  it(`reconstructs with an MSE at most FAISS's ${FAISS_RQ4X6.mse}`, () => {
    const error = meanSquaredError(ds.train, q.decode(codes));
    expect(error).toBeLessThanOrEqual(FAISS_RQ4X6.mse);
  });

  it('finds the true top 10 with recall at least 0.56 (FAISS 0.581)', () => {
    expect(recall10(q, ds, codes)).toBeGreaterThanOrEqual(0.56);
  }, 60_000);

  it('encodes with a lower MSE by beam search than greedily, with the same codebooks', () => {
    const greedy = rqPlugin.load({ ...q.save(), params: { ...q.params, beam: 1 } });
    const greedyError = meanSquaredError(ds.train, greedy.decode(greedy.encode(ds.train)));
    const beamError = meanSquaredError(ds.train, q.decode(codes));
    expect(beamError).toBeLessThan(greedyError);
  }, 60_000);
});
