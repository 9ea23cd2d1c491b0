import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, GAUSS, TOY, TOY_ARGS, readRows, removeWorkDirs, workDir } from './helpers.js';

afterAll(removeWorkDirs);

describe('reef-sweep run', () => {
  it('sweeps prefixed per-method options, records invalid combinations with the reason, and resumes', async () => {
    const cwd = workDir();
    const first = cli([...TOY_ARGS, '--toy-bits', '2,8', '--toy-group', '1,3'], cwd);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Toy(bits=2)');
    expect(first.stdout).toMatch(/skipped .*Toy\(bits=2, group=3\): group=3 does not divide dimension 16/);
    const db = join(cwd, '.reef-cache/sweep/results.db');
    const all = await readRows(db);
    expect(all.map((r) => `${r.config_name}:${r.status}`).sort()).toEqual([
      'Toy(bits=2):ok', 'Toy(bits=2, group=3):invalid', 'Toy(bits=8):ok', 'Toy(bits=8, group=3):invalid',
    ]);
    const bits8 = all.find((r) => r.config_name === 'Toy(bits=8)')!;
    const bits2 = all.find((r) => r.config_name === 'Toy(bits=2)')!;
    // More bits, smaller error and better recall; 8-bit codes of a 16-d float32 vector: ratio 4.
    expect(bits8.mse!).toBeLessThan(bits2.mse!);
    expect(bits8.recall10_adc!).toBeGreaterThan(bits2.recall10_adc!);
    expect(bits8.compression_codes).toBe(4);
    expect(bits8.recall10_adc).toBe(bits8.recall10_decoded); // the toy ADC is exact on decoded vectors
    expect(bits8.recall100_adc).toBeNull(); // the gauss file has 10 true neighbours per query
    expect(JSON.parse(bits8.params)).toEqual({ bits: 8, group: 1, fail: false });
    expect(JSON.parse(bits8.versions)['reef-toy-quantizer']).toBe('0.0.7');
    expect(bits8.dataset).toBe('gauss-500-16-euclidean');
    expect(bits8.git_commit).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/);

    const again = cli([...TOY_ARGS, '--toy-bits', '2,8', '--toy-group', '1,3'], cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 configuration(s) run, 4 already in the database');
    const forced = cli([...TOY_ARGS, '--toy-bits', '2', '--force'], cwd);
    expect(forced.stdout).toContain('1 configuration(s) run');
    expect((await readRows(db)).length).toBe(4);
  });

  it('records a configuration that fails during fit and goes on', async () => {
    const cwd = workDir();
    const r = cli([...TOY_ARGS, '--toy-fail', 'true,false'], cwd);
    expect(r.code).toBe(0);
    const all = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    const failed = all.find((x) => x.status === 'failed')!;
    expect(failed.reason).toContain('toy fit failure requested');
    expect(all.some((x) => x.status === 'ok')).toBe(true);
  });

  it('reads a YAML config', async () => {
    const cwd = workDir();
    writeFileSync(join(cwd, 'sweep.yaml'), `datasets: [${GAUSS}]\nplugins: [${TOY}]\nmethods:\n  toy: { bits: [3, 5] }\nseed: 7\n`);
    const r = cli(['--config', 'sweep.yaml', '--no-report', '--quiet'], cwd);
    expect(r.stderr).toBe('');
    const all = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    expect(all.map((x) => x.config_name).sort()).toEqual(['Toy(bits=3)', 'Toy(bits=5)']);
    expect(all.every((x) => x.seed === 7)).toBe(true);
  });
});


describe('first-party plugins', () => {
  it('discovers installed @reef/quantizer-* packages without --plugin (SQ on the gauss file)', async () => {
    const cwd = workDir();
    const r = cli(['--methods', 'sq', '--sq-format', '8bit,4bit', '--dataset', GAUSS, '--no-report', '--quiet'], cwd);
    expect(r.stderr).toBe('');
    const all = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    const by = Object.fromEntries(all.map((x) => [x.config_name, x]));
    expect(Object.keys(by).sort()).toEqual(['SQ()', 'SQ(format=4bit)']);
    expect(by['SQ()'].package).toBe('@reef/quantizer-sq');
    expect(by['SQ()'].compression_codes).toBe(4); // 8 bits per float32 component
    expect(by['SQ(format=4bit)'].compression_codes).toBe(8);
    expect(by['SQ()'].mse!).toBeLessThan(by['SQ(format=4bit)'].mse!);
  });
});

describe('time budget', () => {
  it('defers configurations past --budget and a rerun finishes them', async () => {
    const cwd = workDir();
    const first = cli([...TOY_ARGS, '--toy-bits', '2,4,8', '--budget', '0'], cwd);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('1 configuration(s) run'); // each method's first always runs
    expect(first.stdout).toContain('2 configuration(s) left for the next call');
    const second = cli([...TOY_ARGS, '--toy-bits', '2,4,8'], cwd);
    expect(second.stdout).toContain('2 configuration(s) run, 1 already');
    expect((await readRows(join(cwd, '.reef-cache/sweep/results.db'))).length).toBe(3);
  });
});

describe('resume keys', () => {
  it('a different query count on the same data is new work, not a resumed run', async () => {
    const cwd = workDir();
    const args = ['--plugin', TOY, '--methods', 'toy', '--dataset', 'gaussian:n=300,dim=8', '--toy-bits', '4', '--no-report', '--quiet'];
    expect(cli([...args, '--queries', '20'], cwd).stdout).toContain('1 configuration(s) run');
    expect(cli([...args, '--queries', '30'], cwd).stdout).toContain('1 configuration(s) run');
    expect(cli([...args, '--queries', '30'], cwd).stdout).toContain('0 configuration(s) run, 1 already');
    const rows = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    expect(rows.map((r) => r.n_queries).sort()).toEqual([20, 30]);
  });
});
