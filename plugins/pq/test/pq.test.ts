import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPUTE_POOL, CollectingWarnings, Registry, WARNINGS, type ComputePool, type Metric } from '@reef/core';
import { loadModelFile, saveModelFile } from '@reef/hdf5';
import { dot, l2sqr, multiplyFast, scanCodes, topK } from '@reef/kernels';
import { NodeWorkerPool } from '@reef/kernels/node';
import { describe, expect, it } from 'vitest';
import { meanSquaredError } from '@reef/testkit';
import plugin, { ProductQuantizer, SymmetricDistance, splitDimensions, symmetricDistance, trainCodebooks } from '../src/index.js';
import { gaussian } from './helpers.js';

async function trained(params: Record<string, unknown>, dim = 20, n = 600): Promise<ProductQuantizer> {
  const pq = new ProductQuantizer(params);
  await pq.fit(gaussian(n, dim), { seed: 3 });
  return pq;
}

/** Worker threads, as the CLI and the sweep provide them; the built package's jobs run on them. */
const workers = new NodeWorkerPool({ threads: 2 });

/** The worker pool, counting the batches it was given: tells whether work went to the pool at all. */
function countingPool(): ComputePool & { batches: number } {
  const counting = {
    threads: workers.threads,
    batches: 0,
    run: ((...args: Parameters<ComputePool['run']>) => {
      counting.batches++;
      return workers.run(...args);
    }) as ComputePool['run'],
    close: async () => {},
  };
  return counting;
}

describe('sub-space layout', () => {
  it('gives the first dim % m sub-spaces one extra component', () => {
    expect([...splitDimensions(10, 4).offsets]).toEqual([0, 3, 6, 8, 10]);
    expect([...splitDimensions(784, 8).offsets]).toEqual([0, 98, 196, 294, 392, 490, 588, 686, 784]);
    expect([...splitDimensions(5, 5).offsets]).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('ProductQuantizer', () => {
  it.each([
    { m: 4, nbits: 8, size: 4 },
    { m: 7, nbits: 4, size: 4 },
    { m: 6, nbits: 5, size: 4 },
    { m: 3, nbits: 1, size: 1 },
    { m: 5, nbits: 9, size: 6 },
  ])('packs m=$m × nbits=$nbits into $size bytes and decodes to its centroids (dim 20, uneven)', async ({ m, nbits, size }) => {
    const pq = await trained({ m, nbits, niter: 8 });
    expect(pq.codeSize).toBe(size);
    const data = gaussian(50, 20, 99);
    const codes = pq.encode(data);
    expect(codes.length).toBe(50 * size);
    const decoded = pq.decode(codes);
    // Re-encoding a decoded vector gives the same code: each sub-vector is exactly a centroid.
    expect(pq.encode({ data: decoded, count: 50, dim: 20 })).toEqual(codes);
    expect(meanSquaredError(data, decoded)).toBeLessThan(meanSquaredError(data, new Float32Array(data.data.length)));
  });

  it('reconstructs better with more bits and more sub-quantizers', async () => {
    const data = gaussian(600, 20);
    const mse = async (m: number, nbits: number): Promise<number> => {
      const pq = await trained({ m, nbits, niter: 10 });
      return meanSquaredError(data, pq.decode(pq.encode(data)));
    };
    const coarse = await mse(4, 4);
    expect(await mse(4, 6)).toBeLessThan(coarse);
    expect(await mse(10, 4)).toBeLessThan(coarse);
  });

  it.each(['l2', 'ip'] as Metric[])('asymmetric %s distances equal brute force on decoded vectors', async (metric) => {
    for (const nbits of [8, 4, 3]) {
      const pq = await trained({ m: 6, nbits, niter: 5 });
      const base = gaussian(40, 20, 11);
      const codes = pq.encode(base);
      const decoded = pq.decode(codes);
      const query = gaussian(1, 20, 12).data;
      const adc = pq.search.prepare(query, metric).distances(codes);
      for (let i = 0; i < 40; i++) {
        const exact = metric === 'l2' ? l2sqr(query, 0, decoded, i * 20, 20) : dot(query, 0, decoded, i * 20, 20);
        expect(adc[i]).toBeCloseTo(exact, 2);
      }
    }
    expect(new ProductQuantizer().search.exactOnDecoded).toBe(true);
  });

  it.each(['l2', 'ip'] as Metric[])('symmetric %s distances equal brute force between decoded codes', async (metric) => {
    for (const nbits of [4, 7]) {
      const pq = await trained({ m: 5, nbits, niter: 5 });
      const codes = pq.encode(gaussian(30, 20, 5));
      const decoded = pq.decode(codes);
      const size = pq.codeSize;
      const sdc = new SymmetricDistance(pq.codebooks, metric);
      const a = codes.subarray(0, size);
      const all = sdc.distances(a, codes);
      for (let i = 0; i < 30; i++) {
        const exact = metric === 'l2' ? l2sqr(decoded, 0, decoded, i * 20, 20) : dot(decoded, 0, decoded, i * 20, 20);
        expect(all[i]).toBeCloseTo(exact, 2);
        expect(symmetricDistance(pq.codebooks, a, codes.subarray(i * size, (i + 1) * size), metric)).toBeCloseTo(exact, 2);
      }
      expect(all[0]).toBe(metric === 'l2' ? 0 : all[0]);
    }
  });

  it('trains the same codebooks on worker threads as on one thread (built package)', async () => {
    const built = await import('../dist/index.js');
    const data = gaussian(800, 12);
    const fit = async (threads: number, pool?: ComputePool): Promise<Float32Array> => {
      const pq = new built.ProductQuantizer({ m: 4, nbits: 5, niter: 6, threads }, { pool });
      await pq.fit(data, { seed: 4 });
      return pq.codebooks.centroids;
    };
    const pool = countingPool();
    const onWorkers = await fit(2, pool);
    expect(pool.batches).toBe(1);
    expect(onWorkers).toEqual(await fit(1, pool));
    expect(pool.batches).toBe(1); // threads = 1 stays on this thread
    expect(onWorkers).toEqual(await fit(2)); // no pool: this thread
  });

  it('gets its pool and warnings sink from the host’s services, and works the same without them (built package)', async () => {
    const built = await import('../dist/index.js');
    const data = gaussian(300, 12);
    const fit = async (registry: Registry): Promise<Float32Array> => {
      registry.use(built.default);
      const pq = registry.createQuantizer('pq', { m: 4, nbits: 6, niter: 4, threads: 2 }) as InstanceType<typeof built.ProductQuantizer>;
      await pq.fit(data, { seed: 5 });
      return pq.codebooks.centroids;
    };
    const pool = countingPool();
    const warnings = new CollectingWarnings();
    const host = new Registry().provide(COMPUTE_POOL, pool).provide(WARNINGS, warnings);
    const served = await fit(host);
    expect(pool.batches).toBe(1);
    // 300 points for 64 centroids: below FAISS's 39 per centroid, reported once to the host's sink.
    expect(warnings.messages).toEqual([{ message: expect.stringMatching(/300 training points for 64 centroids/), source: 'pq' }]);
    const bare = new Registry();
    expect(await fit(bare)).toEqual(served);
    expect(pool.batches).toBe(1);
  });

  it('encodes the same codes on worker threads (encodeAsync, built package) as encode', async () => {
    const built = await import('../dist/index.js');
    const pool = countingPool();
    const pq = new built.ProductQuantizer({ m: 5, nbits: 6, niter: 4, threads: 2 }, { pool });
    await pq.fit(gaussian(600, 20), { seed: 2 });
    const data = gaussian(300, 20, 8);
    expect(await pq.encodeAsync(data)).toEqual(pq.encode(data));
    expect(pool.batches).toBe(2);
    const local = await trained({ m: 4, nbits: 4, niter: 3 });
    expect(await local.encodeAsync(data)).toEqual(local.encode(data));
  });

  it.each(['l2', 'ip'] as Metric[])('searchBatch (%s) returns the top-k of the per-query distances, on workers and on this thread', async (metric) => {
    const built = await import('../dist/index.js');
    for (const nbits of [6, 8]) {
      const pq = new built.ProductQuantizer({ m: 5, nbits, niter: 4, threads: 2 }, { pool: workers });
      await pq.fit(gaussian(600, 20), { seed: 2 });
      const codes = pq.encode(gaussian(500, 20, 8));
      const queries = gaussian(70, 20, 9);
      const local = await trained({ m: 5, nbits, niter: 4, threads: 1 });
      for (const q of [pq, local]) {
        const found = await q.searchBatch(queries, codes, 5, metric);
        expect(found.ids).toHaveLength(70 * 5);
        for (const qi of [0, 33, 69]) {
          const dists = q.search.prepare(queries.data.subarray(qi * 20, (qi + 1) * 20), metric).distances(codes);
          const { ids, scores } = topK(dists, 5, metric === 'l2');
          expect([...found.ids.subarray(qi * 5, qi * 5 + 5)]).toEqual([...ids]);
          expect([...found.scores.subarray(qi * 5, qi * 5 + 5)]).toEqual([...scores]);
        }
      }
      const oneThread = await pq.searchBatch(queries, codes, 5, metric, { threads: 1 });
      expect(oneThread.ids).toEqual((await pq.searchBatch(queries, codes, 5, metric)).ids);
    }
  });

  it('fits from warm-start codebooks as trainCodebooks does from their centroids, and assigns as the codebooks do', async () => {
    const data = gaussian(400, 12);
    const first = await trained({ m: 3, nbits: 4, niter: 3 }, 12, 400);
    const again = new ProductQuantizer({ m: 3, nbits: 4, niter: 25 });
    await again.fit(data, { seed: 5, niter: 2, warmStart: first.codebooks });
    const layout = splitDimensions(12, 3);
    const direct = await trainCodebooks(data.data, 400, layout, { nbits: 4, niter: 2, seed: 5, init: 'random', initialCentroids: first.codebooks.centroids });
    expect(again.codebooks.centroids).toEqual(direct);
    expect(again.codebooks.centroids).not.toEqual(first.codebooks.centroids);
    expect(await again.assignAsync(data)).toEqual(again.codebooks.assign(data.data, 400));
    const built = await import('../dist/index.js');
    const pool = countingPool();
    const onWorkers = built.ProductQuantizer.load({ ...again.save(), params: { ...again.params, threads: 2 } }, { pool });
    expect(await onWorkers.assignAsync(data)).toEqual(again.codebooks.assign(data.data, 400));
    expect(pool.batches).toBe(1);
  });

  it('transforms vectors on the worker pool to exactly the product of multiplyFast (transformAsync, built package)', async () => {
    const built = await import('../dist/index.js');
    const pool = countingPool();
    for (const threads of [2, 1]) {
      const pq = new built.ProductQuantizer({ m: 4, threads }, { pool });
      for (const [n, a, b] of [[301, 37, 23], [5, 64, 64], [1, 9, 4], [0, 6, 3]]) {
        const x = gaussian(n, a, n + 1);
        const r = gaussian(a, b, a + b).data;
        expect(await pq.transformAsync(x, r, b)).toEqual(multiplyFast(x.data, n, a, r, b));
        const out = new Float32Array(n * b);
        expect(await pq.transformAsync(x, r, b, out)).toBe(out);
        expect(out).toEqual(multiplyFast(x.data, n, a, r, b));
      }
    }
    // threads = 2: both products of each non-empty shape went to the pool; no rows and threads = 1 stay here.
    expect(pool.batches).toBe(6);
    // Without a pool: this thread, the same product.
    const x = gaussian(301, 37, 302);
    const r = gaussian(37, 23, 60).data;
    expect(await new built.ProductQuantizer({ m: 4, threads: 2 }).transformAsync(x, r, 23)).toEqual(multiplyFast(x.data, 301, 37, r, 23));
  });

  it('searchBatch on worker threads handles no queries and no codes (built package)', async () => {
    const built = await import('../dist/index.js');
    const pool = countingPool();
    const pq = new built.ProductQuantizer({ m: 5, nbits: 8, niter: 2, threads: 2 }, { pool });
    await pq.fit(gaussian(600, 20), { seed: 2 });
    const codes = pq.encode(gaussian(50, 20, 8));
    const none = await pq.searchBatch({ data: new Float32Array(0), count: 0, dim: 20 }, codes, 5, 'l2', { threads: 2 });
    expect(none.ids).toHaveLength(0);
    const empty = await pq.searchBatch(gaussian(3, 20, 9), new Uint8Array(0), 5, 'l2', { threads: 2 });
    expect(Array.from(empty.ids)).toEqual(new Array(15).fill(-1));
    expect(pool.batches).toBe(3); // training and both searches went to the pool
  });

  it('scans 8-bit codes in WASM to exactly the JS scan sums (scanCodes)', async () => {
    const pq = await trained({ m: 7, nbits: 8, niter: 3 }, 20, 600);
    const codes = pq.encode(gaussian(300, 20, 4));
    for (const metric of ['l2', 'ip'] as Metric[]) {
      const query = gaussian(1, 20, 5).data;
      const table = pq.codebooks.lookupTable(query, metric);
      const js = scanCodes(table, 256, 7, 8, codes, 300, new Float32Array(300), pq.codebooks.scanner.order);
      expect(pq.search.prepare(query, metric).distances(codes)).toEqual(js);
    }
    await expect(pq.searchBatch(gaussian(2, 20), codes, 3, 'l2', { threads: -1 })).rejects.toThrow(/threads must be an integer ≥ 0, got -1/);
  });

  it('is deterministic for a seed and changes with it', async () => {
    const data = gaussian(400, 12);
    const fit = async (seed: number): Promise<Float32Array> => {
      const pq = new ProductQuantizer({ m: 3, nbits: 4, niter: 5 });
      await pq.fit(data, { seed });
      return pq.codebooks.centroids;
    };
    expect(await fit(1)).toEqual(await fit(1));
    expect(await fit(1)).not.toEqual(await fit(2));
  });

  it('saves to HDF5 and loads to the same codes, counting the codebooks in modelBytes', async () => {
    const pq = await trained({ m: 3, nbits: 6, niter: 5 }, 10);
    const saved = pq.save();
    expect(pq.modelBytes()).toBe(64 * 10 * 4);
    const file = join(mkdtempSync(join(tmpdir(), 'reef-pq-')), 'model.h5');
    await saveModelFile(file, saved);
    const copy = ProductQuantizer.load(await loadModelFile(file));
    const data = gaussian(20, 10, 4);
    expect(copy.encode(data)).toEqual(pq.encode(data));
    expect(copy.dim).toBe(10);
  });

  it('registers through the plugin module and creates quantizers from the registry', async () => {
    const registry = new Registry();
    registry.use(plugin, '@reef/quantizer-pq');
    const q = registry.createQuantizer('pq', { m: '2', nbits: '4' }, 8);
    expect(q.params).toMatchObject({ m: 2, nbits: 4 });
    await q.fit(gaussian(100, 8));
    expect(registry.loadQuantizer(q.save()).decode(q.encode(gaussian(3, 8)))).toHaveLength(24);
  });
});

describe('lookup tables of many queries', () => {
  it('equal one lookupTable per query, with long sub-vectors (one product per batch) and short ones', async () => {
    for (const [m, dim] of [[2, 80], [3, 100], [8, 20]]) {
      const pq = await trained({ m, nbits: 8 }, dim, 1200);
      const queries = gaussian(37, dim, 9).data;
      for (const metric of ['l2', 'ip'] as Metric[]) {
        const all = pq.codebooks.lookupTables(queries, 37, metric);
        for (let q = 0; q < 37; q++) {
          expect(all.subarray(q * m * 256, (q + 1) * m * 256)).toEqual(pq.codebooks.lookupTable(queries.subarray(q * dim, (q + 1) * dim), metric));
        }
      }
    }
  });
});
