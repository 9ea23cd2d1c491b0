import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, GAUSS, TOY, TOY_ARGS, readRows, removeWorkDirs, workDir } from './helpers.js';

afterAll(removeWorkDirs);

describe('reef-sweep run', () => {
  it('sweeps prefixed per-method options, records invalid combinations with the reason, and resumes', async () => {
    const cwd = workDir();
    const first = await cli([...TOY_ARGS, '--toy-bits', '2,8', '--toy-group', '1,3'], cwd);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Toy(bits=2, group=1)'); // swept parameters are named even at their default
    expect(first.stdout).toMatch(/skipped .*Toy\(bits=2, group=3\): group=3 does not divide dimension 16/);
    const db = join(cwd, '.reef-cache/sweep/results.db');
    const all = await readRows(db);
    expect(all.map((r) => `${r.config_name}:${r.status}`).sort()).toEqual([
      'Toy(bits=2, group=1):ok', 'Toy(bits=2, group=3):invalid', 'Toy(bits=8, group=1):ok', 'Toy(bits=8, group=3):invalid',
    ]);
    const bits8 = all.find((r) => r.config_name === 'Toy(bits=8, group=1)')!;
    const bits2 = all.find((r) => r.config_name === 'Toy(bits=2, group=1)')!;
    // More bits, smaller error and better recall; 8-bit codes of a 16-d float32 vector: ratio 4.
    expect(bits8.mse!).toBeLessThan(bits2.mse!);
    expect(bits8.recall10_adc!).toBeGreaterThan(bits2.recall10_adc!);
    expect(bits8.compression_codes).toBe(4);
    expect(bits8.recall10_adc).toBe(bits8.recall10_decoded); // the toy ADC is exact on decoded vectors
    expect(bits8.recall100_adc).toBeNull(); // the gauss file has 10 true neighbours per query
    expect(JSON.parse(bits8.params)).toEqual({ bits: 8, group: 1, fail: false, busyMs: 0, holdMb: 0 });
    expect(JSON.parse(bits8.versions)['reef-toy-quantizer']).toBe('0.0.7');
    expect(bits8.dataset).toBe('gauss-500-16-euclidean');
    expect(bits8.git_commit).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/);
    expect(JSON.parse(bits8.versions)).toMatchObject({ '@reef/sweep': '0.1.0', '@reef/core': expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.versions.node });
    expect(Date.parse(bits8.finished_at)).toBeGreaterThanOrEqual(Date.parse(bits8.started_at));
    expect(Date.now() - Date.parse(bits8.finished_at)).toBeLessThan(10 * 60_000);

    const again = await cli([...TOY_ARGS, '--toy-bits', '2,8', '--toy-group', '1,3'], cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 configuration(s) run, 4 already in the database');
    const forced = await cli([...TOY_ARGS, '--toy-bits', '2', '--force'], cwd);
    expect(forced.stdout).toContain('1 configuration(s) run');
    expect((await readRows(db)).length).toBe(4);
  });

  it('records a configuration that fails during fit and goes on', async () => {
    const cwd = workDir();
    const r = await cli([...TOY_ARGS, '--toy-fail', 'true,false'], cwd);
    expect(r.code).toBe(0);
    const all = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    const failed = all.find((x) => x.status === 'failed')!;
    expect(failed.reason).toContain('toy fit failure requested');
    expect(all.some((x) => x.status === 'ok')).toBe(true);
  });

  it('peak memory is each configuration\'s own, not the high-water mark of the sweep so far', async () => {
    const cwd = workDir();
    // The hungry configuration runs first; the frugal one after it must not inherit its peak.
    const r = await cli([...TOY_ARGS, '--toy-holdMb', '200,0'], cwd);
    expect(r.code).toBe(0);
    const rows = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    const peak = (mb: number): number => rows.find((x) => JSON.parse(x.params).holdMb === mb)!.peak_rss_mb!;
    expect(peak(0)).toBeGreaterThan(20);
    expect(peak(200) - peak(0)).toBeGreaterThan(100);
  });

  it('reads a YAML config', async () => {
    const cwd = workDir();
    writeFileSync(join(cwd, 'sweep.yaml'), `datasets: [${GAUSS}]\nplugins: [${TOY}]\nmethods:\n  toy: { bits: [3, 5] }\nseed: 7\n`);
    const r = await cli(['--config', 'sweep.yaml', '--no-report', '--quiet'], cwd);
    expect(r.stderr).toBe('');
    const all = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    expect(all.map((x) => x.config_name).sort()).toEqual(['Toy(bits=3)', 'Toy(bits=5)']);
    expect(all.every((x) => x.seed === 7)).toBe(true);
  });
});
