import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPUTE_POOL, Registry, type ComputePool, type Metric } from '@reef/core';
import { loadModelFile, saveModelFile } from '@reef/hdf5';
import { dot, l2sqr, multiplyFast, multiplyTransposedFast, topK } from '@reef/kernels';
import { ProductQuantizer, splitDimensions } from '@reef/quantizer-pq';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import plugin, { eigenvalueAllocation, OptimizedProductQuantizer } from '../src/index.js';
import { gaussian, rotatedAnisotropic } from './helpers.js';
import { NodeWorkerPool } from '@reef/kernels/node';

const DIM = 24;
const data = rotatedAnisotropic(1200, DIM);
const fast = { m: 4, nbits: 5, niter: 6, niterPqFirst: 10, niterFinal: 15 };

function mse(q: { encode: ProductQuantizer['encode']; decode: ProductQuantizer['decode'] }): number {
  return meanSquaredError(data, q.decode(q.encode(data)));
}

/** Pᵀ P, which must be the identity for a matrix with orthonormal columns. */
function gram(p: Float32Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) for (let r = 0; r < rows; r++) g[a * cols + b] += p[r * cols + a] * p[r * cols + b];
  return g;
}

describe('OptimizedProductQuantizer', () => {
  let full: OptimizedProductQuantizer;
  let reduced: OptimizedProductQuantizer;
  beforeAll(async () => {
    full = new OptimizedProductQuantizer(fast);
    await full.fit(data, { seed: 9 });
    reduced = new OptimizedProductQuantizer({ ...fast, outDim: 12 });
    await reduced.fit(data, { seed: 9 });
  });

  it('reconstructs rotated anisotropic data far better than PQ with the same code size', async () => {
    const pq = new ProductQuantizer({ m: 4, nbits: 5, niter: 15 });
    await pq.fit(data, { seed: 9 });
    expect(full.codeSize).toBe(pq.codeSize);
    expect(mse(full)).toBeLessThan(0.7 * mse(pq));
  });

  it('starting from the identity, never ends worse than PQ on data PQ already suits', async () => {
    const plain = gaussian(1200, DIM, 3);
    const pq = new ProductQuantizer({ m: 4, nbits: 5, niter: 15 });
    await pq.fit(plain, { seed: 9 });
    const opq = new OptimizedProductQuantizer({ ...fast, niterPqFirst: 15 });
    await opq.fit(plain, { seed: 9 });
    const err = (q: ProductQuantizer | OptimizedProductQuantizer): number => meanSquaredError(plain, q.decode(q.encode(plain)));
    expect(err(opq)).toBeLessThanOrEqual(1.01 * err(pq));
    const random = new OptimizedProductQuantizer({ ...fast, rotationInit: 'random' });
    await random.fit(plain, { seed: 9 });
    expect(random.rotation).not.toEqual(opq.rotation);
  });

  it('learns a matrix with orthonormal columns, square or reducing the dimension', () => {
    for (const [q, cols] of [[full, DIM], [reduced, 12]] as const) {
      expect(q.rotation).toHaveLength(DIM * cols);
      const g = gram(q.rotation, DIM, cols);
      for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) expect(g[a * cols + b]).toBeCloseTo(a === b ? 1 : 0, 4);
    }
    expect(reduced.outDim).toBe(12);
    expect(reduced.dim).toBe(DIM);
    expect(reduced.decode(reduced.encode(data))).toHaveLength(data.data.length);
  });

  it.each(['l2', 'ip'] as Metric[])('asymmetric %s distances equal brute force on decoded vectors, also when outDim < dim', (metric) => {
    for (const q of [full, reduced]) {
      const codes = q.encode({ data: data.data.subarray(0, 40 * DIM), count: 40, dim: DIM });
      const decoded = q.decode(codes);
      const query = data.data.slice(500 * DIM, 501 * DIM);
      const adc = q.search.prepare(query, metric).distances(codes);
      for (let i = 0; i < 40; i++) {
        const exact = metric === 'l2' ? l2sqr(query, 0, decoded, i * DIM, DIM) : dot(query, 0, decoded, i * DIM, DIM);
        expect(adc[i]).toBeCloseTo(exact, 3);
      }
    }
  });

  it('is its rotation in front of a ProductQuantizer: the PQ codes x P, and decoding goes back through Pᵀ', () => {
    const pq = reduced.productQuantizer;
    expect(pq).toBeInstanceOf(ProductQuantizer);
    expect(pq.dim).toBe(12);
    expect(pq.codebooks).toBe(reduced.codebooks);
    const rotated = { data: multiplyFast(data.data, data.count, DIM, reduced.rotation, 12), count: data.count, dim: 12 };
    const codes = reduced.encode(data);
    expect(codes).toEqual(pq.encode(rotated));
    expect(reduced.decode(codes)).toEqual(multiplyTransposedFast(pq.decode(codes), data.count, 12, reduced.rotation, DIM));
    expect(reduced.modelBytes()).toBe(reduced.rotation.byteLength + pq.modelBytes());
  });

  it('saves the rotation with the codebooks, counts it in modelBytes, and loads to the same codes', async () => {
    expect(reduced.modelBytes()).toBe((DIM * 12 + 32 * 12) * 4);
    const saved = reduced.save();
    expect(saved.arrays.rotation.shape).toEqual([DIM, 12]);
    const file = join(mkdtempSync(join(tmpdir(), 'reef-opq-')), 'model.h5');
    await saveModelFile(file, saved);
    const copy = OptimizedProductQuantizer.load(await loadModelFile(file));
    expect(copy.encode(data)).toEqual(reduced.encode(data));
    expect(copy.decode(copy.encode(data))).toEqual(reduced.decode(reduced.encode(data)));
  });

  it('searchBatch ranks like search.prepare, scores included', async () => {
    const codes = reduced.encode(data);
    const queries = { data: data.data.subarray(0, 30 * DIM), count: 30, dim: DIM };
    const found = await reduced.searchBatch(queries, codes, 4, 'l2');
    for (const qi of [0, 17, 29]) {
      const dists = reduced.search.prepare(queries.data.subarray(qi * DIM, (qi + 1) * DIM), 'l2').distances(codes);
      const best = topK(dists, 4, true);
      expect([...found.ids.subarray(qi * 4, qi * 4 + 4)]).toEqual([...best.ids]);
      for (let t = 0; t < 4; t++) expect(found.scores[qi * 4 + t]).toBeCloseTo(best.scores[t], 3);
    }
  });

  it('encodeAsync gives the same codes as encode', async () => {
    expect(await reduced.encodeAsync(data)).toEqual(reduced.encode(data));
  });

  it('encodeAsync rotates and encodes on worker threads to the same codes as encode (built package)', async () => {
    const built = await import('../dist/index.js');
    const pool = new NodeWorkerPool({ threads: 2 });
    const q = new built.OptimizedProductQuantizer({ ...fast, threads: 2 }, { pool });
    await q.fit(data, { seed: 4 });
    // More rows than one block of 8192, the last block partial, and jobs of unequal size.
    const many = gaussian(2 * 8192 + 5, DIM, 11);
    expect(await q.encodeAsync(many)).toEqual(q.encode(many));
    await pool.close();
  });

  it('searchBatch rotates and searches on worker threads to the same ids and scores as on one thread (built package)', async () => {
    const built = await import('../dist/index.js');
    const pool = new NodeWorkerPool({ threads: 2 });
    const q = new built.OptimizedProductQuantizer({ ...fast, nbits: 8, threads: 2 }, { pool });
    await q.fit(data, { seed: 4 });
    const codes = q.encode(data);
    const queries = gaussian(300, DIM, 12);
    for (const metric of ['l2', 'ip'] as Metric[]) {
      const one = await q.searchBatch(queries, codes, 10, metric, { threads: 1 });
      const two = await q.searchBatch(queries, codes, 10, metric, { threads: 2 });
      expect(two.ids).toEqual(one.ids);
      expect(two.scores).toEqual(one.scores);
    }
    await pool.close();
  });

  it('hands its pool to the product quantizer it composes, from the host\'s COMPUTE_POOL too, with the same results (built package)', async () => {
    const built = await import('../dist/index.js');
    const workers = new NodeWorkerPool({ threads: 2 });
    let batches = 0;
    const pool: ComputePool = {
      threads: workers.threads,
      run: ((...args: Parameters<ComputePool['run']>) => {
        batches++;
        return workers.run(...args);
      }) as ComputePool['run'],
      close: async () => {},
    };
    const host = new Registry().provide(COMPUTE_POOL, pool);
    host.use(built.default);
    const q = host.createQuantizer('opq', { ...fast, threads: 2 }) as InstanceType<typeof built.OptimizedProductQuantizer>;
    await q.fit(data, { seed: 9 });
    expect(batches).toBeGreaterThan(0); // rotation products and k-means went to the pool
    const alone = new built.OptimizedProductQuantizer({ ...fast, threads: 2 });
    await alone.fit(data, { seed: 9 });
    expect(q.rotation).toEqual(alone.rotation);
    expect(q.codebooks.centroids).toEqual(alone.codebooks.centroids);
    const loaded = host.loadQuantizer(q.save()) as InstanceType<typeof built.OptimizedProductQuantizer>;
    const before = batches;
    expect(await loaded.encodeAsync(data)).toEqual(alone.encode(data));
    expect(batches).toBeGreaterThan(before); // the loaded model's product quantizer has the pool as well
    await workers.close();
  });

  it('is deterministic for a seed', async () => {
    const again = new OptimizedProductQuantizer(fast);
    await again.fit(data, { seed: 9 });
    expect(again.rotation).toEqual(full.rotation);
    expect(again.encode(data)).toEqual(full.encode(data));
  });

  it('registers through the plugin module', async () => {
    const registry = new Registry();
    registry.use(plugin, '@reef/quantizer-opq');
    const q = registry.createQuantizer('opq', { ...fast, nbits: 3, niter: 2, outDim: 8 }, DIM);
    await q.fit(data);
    expect(registry.loadQuantizer(q.save()).encode(data)).toEqual(q.encode(data));
  });

  it('eigenvalue allocation balances the product of variances over uneven sub-spaces, zero variances included', () => {
    const variances = Float64Array.from([64, 32, 16, 8, 4, 2, 1, 0, 0, 0]);
    const layout = splitDimensions(10, 3); // sub-spaces of 4, 3 and 3 components
    const column = eigenvalueAllocation(variances, layout);
    expect([...column].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const products = [0, 1, 2].map((j) => {
      let p = 1;
      for (let c = layout.offsets[j]; c < layout.offsets[j + 1]; c++) if (variances[column[c]] > 0) p *= variances[column[c]];
      return p;
    });
    // The three largest go to different sub-spaces, and no sub-space's product is more than the
    // largest variance's factor above another's (round-robin would give 64·8·1 against 16·2).
    expect(new Set([0, 1, 2].map((a) => layout.offsets.findIndex((o, j) => column.indexOf(a) >= o && column.indexOf(a) < layout.offsets[j + 1])))).toHaveProperty('size', 3);
    expect(Math.max(...products) / Math.min(...products)).toBeLessThanOrEqual(4);
  });
});
