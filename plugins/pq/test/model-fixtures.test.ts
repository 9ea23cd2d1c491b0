// Models saved by an earlier version of this package (fixtures/models-v1, written by its
// make-models.mjs) must keep loading and keep giving that version's codes, decoded vectors and
// distances, whatever is rewritten inside.
import { NodeWorkerPool } from '@reef/kernels/node';
import { describe, expect, it } from 'vitest';
import { pqPlugin } from '../src/index.js';
import { loadModelFixture } from './helpers.js';

/** Worker threads, as the CLI and the sweep provide them; the built package's jobs run on them. */
const workers = new NodeWorkerPool({ threads: 2 });

describe.each(['pq-gauss-d32-m8-nbits8', 'pq-gauss-d11-m3-nbits10', 'pq-fmnist-m8-nbits4'])('saved PQ model %s (models-v1)', (name) => {
  it('loads and gives the saved codes, decoded vectors and distances', async () => {
    const { saved, inputs, codes, decoded, distances } = await loadModelFixture(name);
    const pq = pqPlugin.load(saved);
    expect(pq.encode(inputs)).toEqual(codes);
    expect(pq.decode(codes)).toEqual(decoded);
    const found = pq.search!.prepare(inputs.data.subarray(0, inputs.dim), 'l2').distances(codes);
    // Equal up to float32 rounding, should a kernel sum in another order.
    for (let i = 0; i < inputs.count; i++) expect(Math.abs(found[i] - distances[i])).toBeLessThanOrEqual(1e-5 * distances[i] + 1e-6);
  });

  it('encodes to the saved codes on worker threads too (encodeAsync, built package)', async () => {
    const built = await import('../dist/index.js');
    const { saved, inputs, codes } = await loadModelFixture(name);
    const pq = built.ProductQuantizer.load({ ...saved, params: { ...saved.params, threads: 2 } }, { pool: workers });
    expect(await pq.encodeAsync(inputs)).toEqual(codes);
  });
});
