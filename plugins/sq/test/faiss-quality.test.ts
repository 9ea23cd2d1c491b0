import { Registry, type Quantizer } from '@reef/core';
import type { AnnDataset } from '@reef/hdf5';
import { recallAtK, topK } from '@reef/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import plugin from '../src/index.js';
import { faissReference, readFmnist2k } from './fixtures.js';

/**
 * Quality against FAISS 1.7.3 on fmnist-2k (2000 Fashion-MNIST images as base and training set,
 * 100 test images as queries), as the issue asks: MSE ≤ 1.02 × FAISS and recall@10 ≥ FAISS − 0.02.
 */
let data: AnnDataset;
beforeAll(async () => {
  data = await readFmnist2k();
});

/** ADC top-10 of every query against the base codes, compared with the file's exact top-10. */
function adcRecallAt10(q: Quantizer, codes: Uint8Array): number {
  const { test, neighbors } = data;
  const nq = test.count;
  const found = new Int32Array(nq * 10);
  const distances = new Float32Array(codes.length / q.codeSize);
  for (let i = 0; i < nq; i++) {
    q.search!.prepare(test.data.subarray(i * test.dim, (i + 1) * test.dim), 'l2').distances(codes, distances);
    topK(distances, 10, true, found.subarray(i * 10, (i + 1) * 10));
  }
  return recallAtK(found, 10, neighbors!.ids, neighbors!.k, nq, 10);
}

const CASES = [
  { factory: 'SQ8', params: { format: '8bit' } },
  { factory: 'SQ4', params: { format: '4bit' } },
  { factory: 'SQfp16', params: { format: 'fp16' } },
];

describe.each(CASES)('$factory against FAISS on fmnist-2k', ({ factory, params }) => {
  const faiss = faissReference(factory);
  let q: Quantizer;
  let codes: Uint8Array;

  beforeAll(async () => {
    const registry = new Registry();
    registry.use(plugin);
    q = registry.createQuantizer('sq', params, data.train.dim);
    await q.fit(data.train);
    codes = q.encode(data.train);
  });

  it('uses the same code size as FAISS', () => {
    expect(q.codeSize).toBe(faiss.code_bytes);
  });

  it('reconstructs with MSE ≤ 1.02 × FAISS', () => {
    const mse = meanSquaredError(data.train, q.decode(codes));
    // FAISS's SQfp16 MSE is exactly 0: the pixels are integers 0–255, which fp16 holds exactly
    // (every integer up to 2048 is representable), so a correct cast must give exactly 0 as well;
    // 1.02 × 0 = 0 leaves no room and none is needed.
    expect(mse).toBeLessThanOrEqual(1.02 * faiss.mse);
  });

  it('finds the exact top-10 with recall ≥ FAISS − 0.02', () => {
    expect(adcRecallAt10(q, codes)).toBeGreaterThanOrEqual(faiss.recall10 - 0.02);
  });
});
