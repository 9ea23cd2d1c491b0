import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, TOY, TOY_ARGS, readRows, removeWorkDirs, workDir } from './helpers.js';

// Split from cli-run.test.ts to keep each file well under a minute.
afterAll(removeWorkDirs);

describe('time budget', () => {
  it('--budget is a hard end: nothing starts after it, a configuration still running is abandoned, a rerun finishes them', async () => {
    const cwd = workDir();
    const db = join(cwd, '.reef-cache/sweep/results.db');
    // A fit that spins for a minute without yielding: stopped at the 1 s budget, not recorded.
    const slow = await cli([...TOY_ARGS, '--toy-bits', '2,4', '--toy-busyMs', '60000', '--budget', '1'], cwd);
    expect(slow.code).toBe(0);
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
