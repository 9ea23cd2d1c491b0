import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliProcess, TOY, readRows, removeWorkDirs, workDir } from './helpers.js';

afterAll(removeWorkDirs);

/** A sweep in a real child process, with its output collected and a way to wait for a line. */
function start(args: readonly string[], cwd: string) {
  const child = cliProcess(args, cwd);
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of waiters.splice(0)) {
      if (stderr.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Resolves once stderr contains `text`. */
    when: (text: string): Promise<void> => (stderr.includes(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }))),
  };
}

const toyArgs = (db: string, grid: readonly string[]): string[] => [
  '--plugin', TOY, '--methods', 'toy', '--dataset', 'gaussian:n=400,dim=8', '--no-report', '--db', db, ...grid,
];

describe('Ctrl-C and SIGTERM', () => {
  it('Ctrl-C finishes the running configuration, keeps a whole database, says how to resume and exits 130; a rerun resumes', async () => {
    const cwd = workDir();
    const grid = ['--toy-bits', '1,2,3,4,5,6', '--toy-busyMs', '200'];
    const run = start(toyArgs('i.db', grid), cwd);
    await run.when('[2/6]');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toContain('Ctrl-C: finishing the running configuration');
    expect(run.stdout()).toMatch(/Interrupted \(SIGINT\): \d configuration\(s\) not run\. Run the same command again to continue/);
    expect(run.stderr()).not.toContain('[6/6]');
    // The file opens, holds only finished rows, and no temporary file is left beside it.
    const done = await readRows(join(cwd, 'i.db'));
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(6);
    expect(done.every((r) => r.status === 'ok' && typeof r.mse === 'number')).toBe(true);
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await cli(toyArgs('i.db', grid), cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${6 - done.length} configuration(s) run, ${done.length} already in the database`);
    expect(await readRows(join(cwd, 'i.db'))).toHaveLength(6);
  });

  it('a second Ctrl-C abandons a configuration stuck in a fit that never yields; SIGTERM does so at once', async () => {
    const cwd = workDir();
    // The first configuration is instant, the second spins for a minute.
    const grid = ['--toy-bits', '4', '--toy-busyMs', '0,60000'];
    const run = start(toyArgs('a.db', grid), cwd);
    await run.when('[1/2]');
    run.child.kill('SIGINT');
    await run.when('Ctrl-C again abandons it');
    const t0 = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await readRows(join(cwd, 'a.db'))).map((r) => r.config_name)).toEqual(['Toy(bits=4, busyMs=0)']);

    const term = start(toyArgs('t.db', grid), cwd);
    await term.when('[1/2]');
    const t1 = Date.now();
    term.child.kill('SIGTERM');
    expect(await term.exit).toBe(143);
    expect(Date.now() - t1).toBeLessThan(15_000);
    expect(term.stdout()).toContain('Interrupted (SIGTERM): 1 configuration(s) not run');
    expect(await readRows(join(cwd, 't.db'))).toHaveLength(1);
  });

  it('a double Ctrl-C before any configuration finished prints no empty table header', async () => {
    const cwd = workDir();
    const run = start(toyArgs('e.db', ['--toy-bits', '4', '--toy-busyMs', '60000']), cwd);
    // The database is written once the sweep is planned, before its first configuration starts.
    while (!existsSync(join(cwd, 'e.db'))) await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGINT');
    await run.when('Ctrl-C again abandons it');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stdout()).toContain('No configuration finished.');
    expect(run.stdout()).not.toMatch(/dataset\s+config|^-+ /m);
    expect(run.stdout()).toContain('Interrupted (SIGINT): 1 configuration(s) not run');
  });
});
