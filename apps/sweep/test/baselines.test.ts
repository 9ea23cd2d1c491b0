import { PLUGIN_API_VERSION, Registry, definePlugin, type QuantizerPlugin } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { availableMethods, baselineMethods, pairBaselines, selectMethods, type RunRow } from '../src/index.js';
import { formatTable } from '../src/table.js';

/** A descriptor that never runs here: these tests exercise selection and pairing only. */
function method(id: string, extra: Partial<QuantizerPlugin> = {}): QuantizerPlugin {
  return {
    kind: 'quantizer', id, label: id.toUpperCase(), summary: id, apiVersion: PLUGIN_API_VERSION, params: [], defaultGrid: {},
    create: () => { throw new Error('not run'); },
    load: () => { throw new Error('not run'); },
    ...extra,
  };
}

function row(method: string, params: Record<string, unknown>, metrics: Partial<RunRow>, dataset = 'd'): RunRow {
  return {
    run_key: `${method}${JSON.stringify(params)}${dataset}`, dataset, dataset_source: 'synthetic', method, package: 'p', config_name: `${method}${JSON.stringify(params)}`,
    params: JSON.stringify(params), seed: 1, status: 'ok', reason: null, search_kind: 'adc', versions: '{}', git_commit: 'x',
    started_at: '', finished_at: '', host: 'h', shard: null, ...metrics,
  };
}

describe('baselines in the sweep', () => {
  const registry = new Registry();
  registry.use(definePlugin({
    name: 'test-plugins', apiVersion: PLUGIN_API_VERSION,
    register(host) {
      host.registerQuantizer(method('pq'));
      host.registerQuantizer(method('faiss-pq', { baselineOf: 'pq' }));
      host.registerQuantizer(method('gone', { baselineOf: 'pq', unavailable: () => 'no library here' }));
    },
  }), 'test-plugins');

  it('runs baselines only when named, and drops unavailable methods with their reason', () => {
    expect(selectMethods(registry, undefined).map((m) => m.id)).toEqual(['pq']);
    expect(selectMethods(registry, ['all']).map((m) => m.id)).toEqual(['pq']);
    const lines: string[] = [];
    const chosen = availableMethods(selectMethods(registry, ['pq', 'faiss-pq', 'gone']), (l) => lines.push(l));
    expect(chosen.map((m) => m.id)).toEqual(['pq', 'faiss-pq']);
    expect(lines).toEqual(['gone: skipped, not available here: no library here']);
    expect([...baselineMethods(registry)]).toEqual([['faiss-pq', 'pq'], ['gone', 'pq']]);
  });

  it('pairs runs on the same dataset whose shared parameters agree (threads aside) and divides Reef by the baseline', () => {
    const rows = [
      row('pq', { m: 8, nbits: 8, niter: 25, threads: 2 }, { fit_ms: 50, search_ms: 30, recall10_adc: 0.45 }),
      row('pq', { m: 16, nbits: 8, niter: 25, threads: 2 }, { fit_ms: 80, search_ms: 40, recall10_adc: 0.6 }),
      row('pq', { m: 8, nbits: 8, niter: 25, threads: 2 }, { fit_ms: 1, search_ms: 1, recall10_adc: 1 }, 'other dataset'),
      row('faiss-pq', { m: 8, nbits: 8, threads: 1 }, { fit_ms: 100, search_ms: 20, recall10_adc: 0.5 }),
    ];
    const pairs = pairBaselines(rows, baselineMethods(registry));
    expect(pairs).toHaveLength(1);
    expect(pairs[0].reef).toBe(rows[0]);
    expect(pairs[0].fit).toBeCloseTo(0.5, 12);
    expect(pairs[0].search).toBeCloseTo(1.5, 12);
    expect(pairs[0].recall10).toBeCloseTo(0.9, 12);
    const table = formatTable(rows, baselineMethods(registry));
    expect(table).toMatch(/faiss-pq\{"m":8,"nbits":8,"threads":1\} \[base\]/);
    expect(table).toMatch(/pq\{"m":8,"nbits":8,"niter":25,"threads":2\} vs faiss-pq\{"m":8,"nbits":8,"threads":1\}: fit 0\.50×, search 1\.50×, R@10 adc 0\.90×/);
  });
});
