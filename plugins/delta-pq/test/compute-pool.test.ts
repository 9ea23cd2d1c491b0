import { COMPUTE_POOL, Registry, type ComputePool, type Tensor } from '@reef/core';
import { float64ToTensor } from '@reef/core/delta';
import { Rng } from '@reef/kernels';
import { NodeWorkerPool } from '@reef/kernels/node';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { sameBytes } from './helpers.js';

describe('delta-pq on the host’s compute pool', () => {
  it('trains codebooks on the pool the host provides, to the same payload as on one thread', async () => {
    const workers = new NodeWorkerPool({ threads: 2 });
    let batches = 0;
    const counting: ComputePool = {
      threads: workers.threads,
      run: ((...args: Parameters<ComputePool['run']>) => {
        batches++;
        return workers.run(...args);
      }) as ComputePool['run'],
      close: () => workers.close(),
    };
    // 2^17 values: 16,384 sub-vectors of 8, enough k-means work for the PQ to use the pool.
    const rng = new Rng(21);
    const n = 1 << 17;
    const reference = float64ToTensor(Float64Array.from({ length: n }, () => rng.normal()), 'f32', [n]);
    const target: Tensor = float64ToTensor(Float64Array.from({ length: n }, (_, i) => 0.01 * rng.normal() + Number(i % 7 === 0)), 'f32', [n]);
    const encode = async (registry: Registry) => {
      registry.use(plugin);
      return registry.deltaType('pq-lossy').encode(target, reference);
    };
    try {
      const onPool = await encode(new Registry().provide(COMPUTE_POOL, counting));
      expect(batches).toBe(1);
      const alone = await encode(new Registry());
      expect(batches).toBe(1);
      for (const name of ['pq_codebook', 'pq_codes']) {
        const a = onPool.arrays[name].data;
        const b = alone.arrays[name].data;
        expect(sameBytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)), name).toBe(true);
      }
    } finally {
      await counting.close();
    }
  }, 120_000);
});
