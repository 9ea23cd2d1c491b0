import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from '@reef/core';
import { loadDataset } from '@reef/datasets';
import pq from '@reef/quantizer-pq';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const bin = resolve(here, '../dist/bin.js');

interface Report {
  dataset: string;
  base: number;
  queries: number;
  dim: number;
  mse: number;
  codeBytesPerVector: number;
  modelBytes: number;
  compressionCodesOnly: number;
  compressionWithModel: number;
  recall10: number | null;
}

/**
 * `reef demo` reports the sweep's figures (docs/metrics.md) on the sweep's bundled dataset: each
 * recomputed here from its definition, with a PQ trained on the same seed.
 */
describe('reef demo', () => {
  it('prints MSE, compression and recall@10 as docs/metrics.md defines them', async () => {
    const { stdout } = await run(process.execPath, [bin, 'demo', '--method', 'pq', '--param', 'nbits=4', '--seed', '5', '--json']);
    const report = JSON.parse(stdout) as Report;

    const ds = await loadDataset('fmnist-2k');
    const { base, queries, groundTruth } = ds;
    const registry = new Registry();
    registry.use(pq);
    const q = registry.createQuantizer('pq', { nbits: 4 }, base.dim);
    await q.fit(base, { seed: 5 });
    const codes = q.encode(base);
    const decoded = q.decode(codes);

    expect([report.dataset, report.base, report.queries, report.dim]).toEqual(['fmnist-2k', base.count, queries.count, base.dim]);
    let err = 0;
    for (let i = 0; i < base.data.length; i++) err += (base.data[i] - decoded[i]) ** 2;
    expect(report.mse / (err / base.count)).toBeCloseTo(1, 9);
    expect(report.codeBytesPerVector).toBe(q.codeSize);
    expect(report.modelBytes).toBe(q.modelBytes());
    expect(report.compressionCodesOnly).toBe((4 * base.dim) / q.codeSize);
    expect(report.compressionWithModel).toBeCloseTo((4 * base.dim * base.count) / (q.codeSize * base.count + q.modelBytes()), 9);

    // recall@10 of the asymmetric distances, ties broken by id, against the file's neighbours.
    let hits = 0;
    const dist = new Float32Array(base.count);
    for (let j = 0; j < queries.count; j++) {
      q.search!.prepare(queries.data.subarray(j * base.dim, (j + 1) * base.dim), 'l2').distances(codes, dist);
      const top = Array.from({ length: base.count }, (_, i) => i).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, 10);
      const truth = new Set(groundTruth.ids.subarray(j * groundTruth.k, j * groundTruth.k + 10));
      hits += top.filter((i) => truth.has(i)).length;
    }
    expect(report.recall10).toBe(hits / (queries.count * 10));
  }, 120_000);
});
