import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, GAUSS, TOY, readRows, removeWorkDirs, workDir } from './helpers.js';

// Split from cli-run.test.ts to keep each file well under a minute: these sweep real plugins.
afterAll(removeWorkDirs);

describe('first-party plugins', () => {
  it('discovers installed @reef/quantizer-* packages without --plugin (SQ on the gauss file)', async () => {
    const cwd = workDir();
    const r = await cli(['--methods', 'sq', '--sq-format', '8bit,4bit', '--dataset', GAUSS, '--no-report', '--quiet'], cwd);
    expect(r.stderr).toBe('');
    const all = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    const by = Object.fromEntries(all.map((x) => [x.config_name, x]));
    expect(Object.keys(by).sort()).toEqual(['SQ(format=4bit)', 'SQ(format=8bit)']);
    expect(by['SQ(format=8bit)'].package).toBe('@reef/quantizer-sq');
    expect(by['SQ(format=8bit)'].compression_codes).toBe(4); // 8 bits per float32 component
    expect(by['SQ(format=4bit)'].compression_codes).toBe(8);
    expect(by['SQ(format=8bit)'].mse!).toBeLessThan(by['SQ(format=4bit)'].mse!);
  });
});

describe('quick run', () => {
  it('without --methods or a grid, sweeps every installed method\'s quickGrid (default values where none is declared)', async () => {
    const cwd = workDir();
    const r = await cli(['--plugin', TOY, '--dataset', 'gaussian:n=300,dim=16', '--no-report', '--quiet'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    // Every first-party method plus the toy plugin, each with its quick configurations only.
    expect(new Set(rows.map((x) => x.method))).toEqual(new Set(['lattice', 'opq', 'pq', 'pq-fs', 'rabitq', 'rq', 'sq', 'toy']));
    expect(rows.filter((x) => x.method === 'toy').map((x) => x.config_name).sort()).toEqual(['Toy(bits=4)', 'Toy(bits=8)']);
    expect(rows.filter((x) => x.method === 'sq').map((x) => x.config_name).sort()).toEqual(['SQ(format=4bit)', 'SQ(format=8bit)']);
    // OPQ's quick rotation to 64 dimensions cannot apply to 16-d data: recorded as invalid, with the reason.
    const opq = rows.filter((x) => x.method === 'opq');
    expect(opq.every((x) => x.status === 'invalid' && /64/.test(x.reason ?? ''))).toBe(true);
    expect(rows.filter((x) => x.method !== 'opq').every((x) => x.status === 'ok')).toBe(true);
    expect(rows.every((x) => x.n_queries === null || x.n_queries === 30)).toBe(true); // the quick run's 30 queries
    // Naming a method (even `all`) sweeps defaultGrid instead.
    const full = await cli(['--plugin', TOY, '--methods', 'toy', '--dataset', 'gaussian:n=300,dim=16', '--no-report', '--quiet'], cwd);
    expect(full.stdout).toContain('1 configuration(s) run, 2 already in the database'); // bits 4 and 8 are the same runs
  });
});
