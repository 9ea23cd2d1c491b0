import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@reef/core';
import { loadPluginSpec } from '@reef/core/node';
import { describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { checkGrid, gridsFromOptions, inShard, parseArgs, parseShard, planRuns, runKey, selectMethods, spread } from '../src/index.js';
import { readSweepFile } from '../src/config.js';
import { cheapestRoundRobin, costsFromRows } from '../src/order.js';
import { Progress } from '../src/progress.js';
import { APP, TOY } from './helpers.js';

const toy = await loadPluginSpec(TOY);

function registry(): Registry {
  const r = new Registry();
  r.use(toy.module, toy.packageName);
  return r;
}

describe('grid planning', () => {
  it('turns --toy-<param> options into typed grids and refuses unknown ones', () => {
    const reg = registry();
    const toy = reg.quantizer('toy');
    const grids = gridsFromOptions(reg, [toy], new Map([['toy-bits', ['2,4', '8']], ['seed', ['3']]]), new Set(['seed']));
    expect(grids.get('toy')).toEqual({ bits: [2, 4, 8] });
    expectReefError(() => gridsFromOptions(reg, [toy], new Map([['toy-nope', ['1']]]), new Set()), 'UNKNOWN_PARAM');
    expectReefError(() => gridsFromOptions(reg, [toy], new Map([['toy-bits', ['x']]]), new Set()), 'INVALID_PARAM');
    expectReefError(() => gridsFromOptions(reg, [toy], new Map([['zz-bits', ['1']]]), new Set()), 'INVALID_PARAM');
    expectReefError(() => gridsFromOptions(reg, [toy], new Map([['toy-bits', [' , ']]]), new Set()), 'INVALID_PARAM');
    expectReefError(() => checkGrid(toy, { bits: [] }), 'INVALID_PARAM');
    expectReefError(() => selectMethods(reg, ['pq']), 'UNKNOWN_PLUGIN');
    expectReefError(() => selectMethods(new Registry(), undefined), 'UNKNOWN_PLUGIN');
  });

  it('marks combinations validate() refuses, names configurations, and trims with maxPerMethod', () => {
    const toy = registry().quantizer('toy');
    const runs = planRuns([{ plugin: toy, grid: { bits: [1, 2, 3, 4, 5, 6, 7, 8], group: [1, 3] }, explicit: true }], 'd', 16, 1);
    expect(runs.filter((r) => r.invalid)).toHaveLength(8);
    expect(runs.find((r) => r.invalid)!.invalid).toBe('group=3 does not divide dimension 16');
    expect(runs.map((r) => r.name)).toContain('Toy(bits=2, group=3)');
    const trimmed = planRuns([{ plugin: toy, grid: { bits: [1, 2, 3, 4, 5, 6, 7, 8] }, explicit: false }], 'd', 16, 1, 3);
    expect(trimmed.map((r) => r.params.bits)).toEqual([1, 5, 8]); // spread over the grid, ends included
    expect(spread([1, 2], 3)).toEqual([1, 2]);
  });

  it('run keys depend on dataset, method, params and seed but not on parameter order', () => {
    const a = runKey('d', 'toy', { bits: 2, group: 1 }, 1);
    expect(runKey('d', 'toy', { group: 1, bits: 2 }, 1)).toBe(a);
    expect(runKey('d', 'toy', { bits: 2, group: 1 }, 2)).not.toBe(a);
    expect(runKey('e', 'toy', { bits: 2, group: 1 }, 1)).not.toBe(a);
  });

  it('shards partition the work: every item in exactly one shard', () => {
    const items = Array.from({ length: 11 }, (_, i) => i);
    const parts = [1, 2, 3].map((i) => inShard(items, parseShard(`${i}/3`)));
    expect(parts.flat().sort((x, y) => x - y)).toEqual(items);
    expect(parts.map((p) => p.length)).toEqual([4, 4, 3]);
    for (const bad of ['0/3', '4/3', '1-3', 'a/b', '1/0']) expectReefError(() => parseShard(bad), 'INVALID_PARAM');
  });
});

describe('argument parsing', () => {
  it('keeps repeated options, splits --x=y, knows flags, and accepts camelCase parameter names', () => {
    const a = parseArgs(['run', '--opq-niterPq', '4,8', '--dataset', 'a.hdf5', '--dataset=gaussian:n=10,dim=2', '--force']);
    expect(a.positionals).toEqual(['run']);
    expect(a.options.get('opq-niterPq')).toEqual(['4,8']);
    expect(a.options.get('dataset')).toEqual(['a.hdf5', 'gaussian:n=10,dim=2']);
    expect(a.flags.has('force')).toBe(true);
    expectReefError(() => parseArgs(['--seed']), 'USAGE', /option --seed needs a value/);
    expectReefError(() => parseArgs(['--force=1']), 'USAGE', /option --force takes no value/);
    // Strict, once the installed methods are known: an option nobody declares is refused by name.
    expectReefError(() => parseArgs(['--methods', 'pq', '--pq-m', '8', '--bugdet', '3'], { names: ['pq-m'], ids: ['pq'] }), 'USAGE', /unknown option --bugdet \(did you mean --budget\?\)/);
    expect(parseArgs(['--pq-mm', '8'], { names: ['pq-m'], ids: ['pq'] }).options.get('pq-mm')).toEqual(['8']); // left to the grid check, which names pq's parameters
  });
});

describe('quick grids of the first-party quantizers', () => {
  it('every installed method declares a quickGrid of at most 3 configurations, all valid on the bundled 784-d data', async () => {
    const { createNodeRegistry } = await import('@reef/core/node');
    const installed = (await createNodeRegistry({ roots: [APP] })).quantizers();
    expect(installed.map((p) => p.id).sort()).toEqual(['lattice', 'opq', 'pq', 'pq-fs', 'rabitq', 'rq', 'sq']);
    for (const plugin of installed) {
      expect(plugin.quickGrid, plugin.id).toBeDefined();
      const runs = planRuns([{ plugin, grid: checkGrid(plugin, plugin.quickGrid!), explicit: false }], 'fmnist-2k', 784, 1);
      expect(runs.length, plugin.id).toBeGreaterThan(0);
      expect(runs.length, plugin.id).toBeLessThanOrEqual(3);
      expect(runs.filter((r) => r.invalid), plugin.id).toEqual([]);
    }
  });

  it('names show swept parameters even at their default: PQ(m=8, nbits=8)', async () => {
    const { createNodeRegistry } = await import('@reef/core/node');
    const pq = (await createNodeRegistry({ roots: [APP] })).quantizer('pq');
    const [run] = planRuns([{ plugin: pq, grid: { m: [8], nbits: [8] }, explicit: true }], 'd', 784, 1);
    expect(run.name).toBe('PQ(m=8, nbits=8)');
    expect(planRuns([{ plugin: pq, grid: {}, explicit: false }], 'd', 784, 1)[0].name).toBe('PQ()');
  });
});

describe('progress and config files', () => {
  it('a terminal gets a status line with the phase bar and an ETA learned from finished runs; logs get one line per run', () => {
    let t = 0;
    const writes: string[] = [];
    const tty = { isTTY: true, columns: 200, write: (x: string) => writes.push(x) };
    const bar = new Progress(tty, false, () => t);
    bar.plan(['pq', 'sq', 'pq', 'sq']);
    bar.start('d PQ(m=8)', 'pq');
    bar.update('d PQ(m=8)', 'fit', 0.4);
    expect(writes.at(-1)).toMatch(/^\r\x1b\[K0\/4 done, ETA --:-- · d PQ\(m=8\) fit  █{8}░{12} +40%  ETA --:--$/);
    t += 10_000;
    bar.finish('d PQ(m=8)', 'ok', 'pq', 10);
    // Learned: the next PQ takes as long as the last (10 s), SQ never ran: the mean (10 s), so a guess (~).
    expect(writes.join('')).toContain('[1/4] d PQ(m=8): ok (elapsed 0:10, ETA ~0:30)\n');
    bar.start('d SQ(8bit)', 'sq');
    t += 2_000;
    bar.finish('d SQ(8bit)', 'ok', 'sq', 2);
    expect(writes.join('')).toContain('[2/4] d SQ(8bit): ok (elapsed 0:12, ETA 0:12)\n');
    // A fit that extrapolates beyond the learned time raises the ETA: 3 s for a quarter, 9 s left.
    bar.start('d PQ(m=16)', 'pq');
    bar.update('d PQ(m=16)', 'fit', 0);
    t += 12_000;
    bar.update('d PQ(m=16)', 'fit', 0.25);
    expect(writes.at(-1)).toContain('2/4 done, ETA 0:38 · d PQ(m=16) fit');
    bar.close();
    expect(writes.at(-1)).toBe('\r\x1b[K');

    const logged: string[] = [];
    const plain = new Progress({ isTTY: false, write: (x: string) => logged.push(x) }, false, () => 0);
    plain.plan(['x', 'x']);
    plain.update('x', 'fit', 0.5);
    plain.finish('x', 'ok', 'x', 1);
    expect(logged).toEqual(['[1/2] x: ok (elapsed 0:00, ETA 0:01)\n']);
    const quiet: string[] = [];
    const silent = new Progress({ isTTY: true, write: (x: string) => quiet.push(x) }, true, () => 0);
    silent.update('x', 'fit', 0.5);
    silent.finish('x', 'ok', 'x', 1);
    expect(quiet).toEqual([]);
  });

  it('reads a JSON config like a YAML one and refuses unknown keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reef-sweep-config-'));
    try {
      writeFileSync(join(dir, 's.json'), JSON.stringify({ datasets: ['gaussian:n=100,dim=4'], methods: { pq: { m: [2, 4] }, sq: {} }, seed: 3, queries: 10 }));
      expect(await readSweepFile(join(dir, 's.json'))).toEqual({
        datasets: ['gaussian:n=100,dim=4'], methods: ['pq', 'sq'], grids: { pq: { m: [2, 4] } }, seed: 3, queries: 10,
      });
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ method: ['pq'] }));
      await expect(readSweepFile(join(dir, 'bad.json'))).rejects.toThrow(/unknown key 'method'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('run order under a time budget', () => {
  const item = (method: string, name: string, cost?: number) => ({ method, name, cost });
  it('is round-robin across methods, cheapest known method and configuration first, never-run ones after in plan order', () => {
    const order = cheapestRoundRobin([
      item('lattice', 'L1'), item('lattice', 'L2'),
      item('pq', 'P1', 4), item('pq', 'P2', 2),
      item('sq', 'S1', 0.1), item('sq', 'S2'),
      item('opq', 'O1', 30),
    ]);
    // Round 1 holds one configuration of every method, so a budget that ends after it leaves each a row.
    expect(order.map((x) => x.name)).toEqual(['S1', 'P2', 'O1', 'L1', 'S2', 'P1', 'L2']);
    expect(new Set(order.slice(0, 4).map((x) => x.method)).size).toBe(4);
  });

  it('learns costs from earlier rows: per configuration, and per method as the mean of its rows', () => {
    const { byKey, byMethod } = costsFromRows([
      { run_key: 'a', method: 'pq', status: 'ok', fit_ms: 1000, encode_ms: 500, decode_ms: 250, search_ms: 250 },
      { run_key: 'b', method: 'pq', status: 'ok', fit_ms: 3000, encode_ms: 0, decode_ms: 0, search_ms: 1000 },
      { run_key: 'c', method: 'sq', status: 'failed', fit_ms: null },
    ]);
    expect([...byKey]).toEqual([['a', 2], ['b', 4]]);
    expect([...byMethod]).toEqual([['pq', 3]]);
  });
});
