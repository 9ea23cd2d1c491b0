import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliProcess, TOY, TOY_ARGS, readRows, removeWorkDirs, workDir } from './helpers.js';

afterAll(removeWorkDirs);

describe('export, shards and merge', () => {
  it('shards split the grid, merge recombines it, export writes CSV and JSON', async () => {
    const cwd = workDir();
    const grid = ['--toy-bits', '1,2,3,4,5'];
    for (const s of ['1/2', '2/2']) {
      const r = await cli([...TOY_ARGS, ...grid, '--shard', s, '--db', `shard${s[0]}.db`], cwd);
      expect(r.code).toBe(0);
    }
    const a = await readRows(join(cwd, 'shard1.db'));
    const b = await readRows(join(cwd, 'shard2.db'));
    expect(a.length + b.length).toBe(5);
    expect(a.length).toBe(3);
    expect(a.every((r) => r.shard === '1/2')).toBe(true);
    const merged = await cli(['merge', 'all.db', 'shard1.db', 'shard2.db'], cwd);
    expect(merged.stdout).toContain('5 row(s)');
    const all = await readRows(join(cwd, 'all.db'));
    expect(all.map((r) => r.config_name).sort()).toEqual(['Toy(bits=1)', 'Toy(bits=2)', 'Toy(bits=3)', 'Toy(bits=4)', 'Toy(bits=5)']);
    // The file is plain SQLite: the sqlite3 shell reads it (checked where the shell is installed).
    if (existsSync('/usr/bin/sqlite3')) {
      const out = execFileSync('/usr/bin/sqlite3', [join(cwd, 'all.db'), "select count(*), sum(status = 'ok') from runs; select value from meta where key = 'schema_version';"], { encoding: 'utf8' });
      expect(out.trim().split('\n')).toEqual(['5|5', '1']);
    } else console.warn('cli-shards: sqlite3 shell not installed; skipping the shell check');
    // A sweep over the merged database finds everything done.
    expect((await cli([...TOY_ARGS, ...grid, '--db', 'all.db'], cwd)).stdout).toContain('5 already in the database');

    const json = JSON.parse((await cli(['export', '--db', 'all.db', '--format', 'json'], cwd)).stdout);
    expect(json).toHaveLength(5);
    expect(json[0].params).toHaveProperty('bits');
    expect(typeof json[0].mse).toBe('number');
    // CSV to a file: a header of every column, one line per row, JSON cells quoted (RFC 4180).
    expect((await cli(['export', '--db', 'all.db', '--format', 'csv', '--out', 'all.csv'], cwd)).stdout).toContain('all.csv');
    const csv = readFileSync(join(cwd, 'all.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(6);
    const header = csv[0].split(',');
    expect(header).toEqual(expect.arrayContaining(['run_key', 'config_name', 'params', 'mse', 'recall10_adc', 'git_commit', 'versions']));
    expect(csv[1]).toMatch(/"\{""bits"":\d/);
  });

  it('a killed sweep leaves a readable database with the finished rows', async () => {
    const cwd = workDir();
    const child = cliProcess(['--plugin', TOY, '--methods', 'toy', '--dataset', 'gaussian:n=4000,dim=64', '--toy-bits', '1,2,3,4,5,6,7,8', '--no-report', '--db', 'k.db'], cwd);
    let stderr = '';
    const closed = new Promise((r) => child.on('close', r));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('[2/8]')) child.kill('SIGKILL');
    });
    await closed;
    expect(stderr).toContain('[2/8]');
    expect(stderr).not.toContain('[8/8]');
    const done = await readRows(join(cwd, 'k.db'));
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.every((r) => r.status === 'ok')).toBe(true);
  });
});
