import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, GAUSS, TOY, TOY_ARGS, readRows, removeWorkDirs, workDir } from './helpers.js';

// Split from cli-run.test.ts to keep each file well under a minute.
afterAll(removeWorkDirs);

describe('time budget', () => {
  it('--budget is a hard end: nothing starts after it, a configuration still running is abandoned, a rerun finishes them', async () => {
    const cwd = workDir();
    const db = join(cwd, '.reef-cache/sweep/results.db');
    // A fit that spins for a minute without yielding: started (the budget counts from the process's
    // start, and 8 s leave room for start-up), stopped at the budget, not recorded.
    const verbose = TOY_ARGS.filter((a) => a !== '--quiet');
    const slow = await cli([...verbose, '--toy-bits', '2,4', '--toy-busyMs', '60000', '--budget', '8'], cwd);
    expect(slow.code).toBe(0);
    expect(slow.stderr).toMatch(/\[1\/2\] gauss-500-16-euclidean Toy\(bits=\d, busyMs=60000\): stopped: time budget reached/);
    expect(slow.stdout).toContain('0 configuration(s) run');
    expect(slow.stdout).toContain('2 configuration(s) left for the next call');
    expect(await readRows(db)).toEqual([]); // the database exists, empty
    const first = await cli([...TOY_ARGS, '--toy-bits', '2,4,8', '--budget', '0'], cwd);
    expect(first.stdout).toContain('3 configuration(s) left for the next call');
    const second = await cli([...TOY_ARGS, '--toy-bits', '2,4,8'], cwd);
    expect(second.stdout).toContain('3 configuration(s) run, 0 already');
    expect((await readRows(db)).map((r) => r.config_name).sort()).toEqual(['Toy(bits=2)', 'Toy(bits=4)', 'Toy(bits=8)']);
  });
});

describe('budget shared between methods', () => {
  it('a slow first configuration stops at its share of the budget, so every other method still gets a row', async () => {
    const cwd = workDir();
    // Toy's first configuration never ends in time (a minute of busy fit); its second is instant.
    // Without shares it would hold the whole budget and no method would get a row.
    const args = ['--plugin', TOY, '--methods', 'toy,sq', '--dataset', GAUSS, '--toy-bits', '4', '--toy-busyMs', '60000,0', '--sq-format', '8bit,4bit', '--no-report'];
    const r = await cli([...args, '--budget', '20'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Toy\(bits=4, busyMs=60000\): stopped at its share of the time budget \(\d+ s\)/);
    const rows = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    expect(rows.map((x) => x.config_name).sort()).toEqual(['SQ(format=4bit)', 'SQ(format=8bit)', 'Toy(bits=4, busyMs=0)']);
    expect(new Set(rows.map((x) => x.method))).toEqual(new Set(['toy', 'sq']));
    // Tried again with the time left, then left for the next call.
    expect(r.stdout).toContain('3 configuration(s) run');
    expect(r.stdout).toContain('1 configuration(s) left for the next call');
  });
});

describe('budget and report', () => {
  it('--budget covers the whole command, keeping 5 s of it for the report', async () => {
    const cwd = workDir();
    const args = ['--plugin', TOY, '--methods', 'toy', '--dataset', GAUSS, '--toy-bits', '2,4', '--quiet', '--no-png'];
    // 5 s, all of them kept for the report: no configuration starts, the report is still written.
    const none = await cli([...args, '--budget', '5'], cwd);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('0 configuration(s) run');
    expect(none.stdout).toContain('2 configuration(s) left for the next call');
    expect(none.stdout).toContain('Report:');
    // Without a report nothing is kept back.
    const all = await cli([...args, '--budget', '60', '--no-report'], cwd);
    expect(all.stdout).toContain('2 configuration(s) run');
  });
});

describe('resume keys', () => {
  it('a different query count on the same data is new work, not a resumed run', async () => {
    const cwd = workDir();
    const args = ['--plugin', TOY, '--methods', 'toy', '--dataset', 'gaussian:n=300,dim=8', '--toy-bits', '4', '--no-report', '--quiet'];
    expect((await cli([...args, '--queries', '20'], cwd)).stdout).toContain('1 configuration(s) run');
    expect((await cli([...args, '--queries', '30'], cwd)).stdout).toContain('1 configuration(s) run');
    expect((await cli([...args, '--queries', '30'], cwd)).stdout).toContain('0 configuration(s) run, 1 already');
    const rows = await readRows(join(cwd, '.reef-cache/sweep/results.db'));
    expect(rows.map((r) => r.n_queries).sort()).toEqual([20, 30]);
  });
});
