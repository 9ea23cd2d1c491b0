import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, TOY, cli, removeWorkDirs, run, workDir } from './helpers.js';

/**
 * The sweep's progress is drawn only on a terminal: run in a real pseudo-terminal through
 * util-linux's `script` (skipped, saying so, where it is not installed), and through pipes.
 */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasScript) console.log('progress-terminal: `script` (util-linux) not found; pseudo-terminal test skipped');

afterAll(removeWorkDirs);

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
// Ground truth is computed (a synthetic set has none) and each fit takes a while: every kind of line shows.
const args = (cache: string): string[] => [
  '--plugin', TOY, '--methods', 'toy', '--dataset', 'gaussian:n=4000,dim=32', '--toy-bits', '4,8', '--toy-busyMs', '1500', '--no-report', '--cache-dir', cache,
];

describe('sweep progress', () => {
  it.skipIf(!hasScript)('on a terminal: loading and ground truth, then a status line per configuration with the count and ETA', async () => {
    const cwd = workDir();
    const command = [process.execPath, BIN, ...args(join(cwd, 'cache'))].map(quote).join(' ');
    const r = await run('script', ['-qfec', command, '/dev/null'], { cwd });
    expect(r.code).toBe(0);
    const screen = r.stdout;
    expect(screen).toMatch(/\r\x1b\[Kground truth of gaussian:n=4000,dim=32  [█░]{20} +\d+%/);
    expect(screen).toMatch(/\r\x1b\[K0\/2 done, ETA --:-- · gaussian:n=4000,dim=32 Toy\(bits=4, busyMs=1500\) fit/);
    // After the first finished, the ETA is learned from it.
    expect(screen).toMatch(/\r\x1b\[K1\/2 done, ETA \d+:\d\d · gaussian:n=4000,dim=32 Toy\(bits=8, busyMs=1500\) /);
    expect(screen).toContain('[2/2] gaussian:n=4000,dim=32 Toy(bits=8, busyMs=1500): ok');
    expect(screen).toContain('2 configuration(s) run');
    // The computed ground truth went to the cache folder asked for.
    expect(readdirSync(join(cwd, 'cache', 'datasets')).some((f) => f.includes('.gt-'))).toBe(true);
  });

  it('piped: one line per finished configuration, no status line', async () => {
    const cwd = workDir();
    const r = await cli(args(join(cwd, 'cache')), cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[1\/2\] gaussian:n=4000,dim=32 Toy\(bits=4, busyMs=1500\): ok \(elapsed \d:\d\d, ETA [~\d:]+\)\n\[2\/2\] .*\n$/);
    expect(r.stdout + r.stderr).not.toContain('\x1b[K');
    expect(r.stderr).not.toContain('ground truth');
  });
});
