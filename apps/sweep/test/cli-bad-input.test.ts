import { readFileSync, writeFileSync } from 'node:fs';
import { EXIT_CODES } from '@reef/core/exit-codes';
import initSqlJs from 'sql.js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cli, FIXTURES, GAUSS, TOY, TOY_ARGS, removeWorkDirs, run, workDir } from './helpers.js';

afterAll(removeWorkDirs);

describe('bad input', () => {
  it('unknown method, unknown parameter, out-of-range value, unknown option: exit 2 with a clear message', async () => {
    const cwd = workDir();
    const unknownMethod = await cli(['--plugin', TOY, '--methods', 'nope', '--dataset', GAUSS], cwd);
    expect(unknownMethod.code).toBe(2);
    expect(unknownMethod.stderr).toMatch(/unknown quantizer 'nope'.*Installed: .*toy/);
    const unknownParam = await cli(['--plugin', TOY, '--toy-colour', '3', '--dataset', GAUSS], cwd);
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.stderr).toContain("toy has no parameter 'colour'");
    const range = await cli(['--plugin', TOY, '--toy-bits', '9', '--dataset', GAUSS], cwd);
    expect(range.stderr).toContain("toy parameter 'bits' must be at most 8, got 9");
    const option = await cli(['--plugin', TOY, '--frobnicate', '1'], cwd);
    expect(option.stderr).toContain('unknown option --frobnicate');
  });

  it('a sweep with no valid configuration is an error listing the reasons', async () => {
    const cwd = workDir();
    const r = await cli([...TOY_ARGS, '--toy-group', '3,5'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no valid configuration[\s\S]*group=3 does not divide dimension 16[\s\S]*group=5/);
  });

  it('unreadable and truncated datasets, and a train/test dimension mismatch', async () => {
    const cwd = workDir();
    const missing = await cli([...TOY_ARGS.slice(0, 4), '--dataset', join(cwd, 'missing.hdf5')], cwd);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^reef-sweep: no such file: .*missing\.hdf5\n$/);
    const cut = join(cwd, 'cut.hdf5');
    writeFileSync(cut, readFileSync(GAUSS).subarray(0, 30000));
    const truncated = await cli([...TOY_ARGS.slice(0, 4), '--dataset', cut], cwd);
    expect(truncated.code).toBe(3);
    expect(truncated.stderr).toMatch(/cut\.hdf5/);
    // A base of dimension 4 with queries of dimension 5.
    const vecs = (n: number, d: number): Buffer => {
      const b = Buffer.alloc(n * (4 + 4 * d));
      for (let i = 0; i < n; i++) b.writeInt32LE(d, i * (4 + 4 * d));
      return b;
    };
    writeFileSync(join(cwd, 'base.fvecs'), vecs(50, 4));
    writeFileSync(join(cwd, 'q.fvecs'), vecs(5, 5));
    const mismatch = await cli([...TOY_ARGS.slice(0, 4), '--dataset', 'base.fvecs', '--query-file', 'q.fvecs'], cwd);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toMatch(/dimension 4 but queries have 5/);
  });

  it('hostile datasets (fixtures/hostile) and a missing file: exit 3, one line naming the file, no HDF5 dump or stack', async () => {
    const cwd = workDir();
    const cases: [string, RegExp][] = [
      [join(FIXTURES, 'hostile/h5-diag.hdf5'), /h5-diag\.hdf5: cannot read it as an ann-benchmarks HDF5 file: H5Gget_objinfo\(\)/],
      [join(FIXTURES, 'hostile/h5-abort.hdf5'), /h5-abort\.hdf5: cannot read it as an ann-benchmarks HDF5 file: (H5Aread\(\)|the HDF5 library aborted)/],
      [join(FIXTURES, 'hostile/h5-claim-2e24x16.hdf5'), /h5-claim-2e24x16\.hdf5: 'train' declares .* but the file holds only 7184 bytes/],
      [join(FIXTURES, 'hostile/h5-neighbors-oob.hdf5'), /h5-neighbors-oob\.hdf5: neighbors row \d+ holds id/],
      [join(cwd, 'missing.hdf5'), /no such file: .*missing\.hdf5/],
    ];
    for (const [dataset, says] of cases) {
      const r = await cli([...TOY_ARGS.slice(0, 4), '--dataset', dataset], cwd);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(says);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/HDF5-DIAG|RuntimeError|\n\s+at /);
    }
  }, 300_000);

  it('an incompatible database version is refused and left untouched; a non-SQLite file too', async () => {
    const cwd = workDir();
    const SQL = await initSqlJs();
    const old = new SQL.Database();
    old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema_version', '0'); CREATE TABLE runs (x)`);
    const dbFile = join(cwd, 'old.db');
    writeFileSync(dbFile, old.export());
    const before = readFileSync(dbFile);
    const r = await cli([...TOY_ARGS, '--db', dbFile], cwd);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/schema version 0, this reef-sweep reads version 1/);
    expect(readFileSync(dbFile).equals(before)).toBe(true);
    writeFileSync(join(cwd, 'notes.db'), 'hello');
    expect((await cli([...TOY_ARGS, '--db', 'notes.db'], cwd)).stderr).toContain('is not an SQLite database');
  });

  it('parse errors are usage errors (exit 2, one line, the closest option named); missing files exit 3', async () => {
    const cwd = workDir();
    const cases: [string[], number, RegExp][] = [
      [['--plugin', TOY, '--bogus'], EXIT_CODES.usage, /^reef-sweep: unknown option --bogus; see 'reef-sweep --help'/],
      [['--plugin', TOY, '--budgte', '3'], EXIT_CODES.usage, /^reef-sweep: unknown option --budgte \(did you mean --budget\?\)/],
      [['--plugin', TOY, '--methods', 'toy', '--toy-bitz', '4'], EXIT_CODES.usage, /^reef-sweep: toy has no parameter 'bitz' \(from --toy-bitz\); its parameters are: bits, group/],
      [['export', '--db', 'x.db', '--toy-bits', '4'], EXIT_CODES.usage, /^reef-sweep: unknown option --toy-bits/],
      [['--seed'], EXIT_CODES.usage, /^reef-sweep: option --seed needs a value$/],
      [['--force=yes'], EXIT_CODES.usage, /^reef-sweep: option --force takes no value$/],
      [['expotr'], EXIT_CODES.usage, /^reef-sweep: unknown command 'expotr' \(did you mean 'export'\?\)/],
      [['--config', 'nosuch.yaml'], EXIT_CODES.badInput, /^reef-sweep: no such file: .*nosuch\.yaml$/],
      [['report', '--db', 'nosuch.db'], EXIT_CODES.badInput, /^reef-sweep: no such file: .*nosuch\.db \(the results database\)$/],
    ];
    for (const [args, code, says] of cases) {
      const r = await cli(args, cwd);
      expect(r.code, `reef-sweep ${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trimEnd()).toMatch(says);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    }
  }, 300_000);

  it('an internal error exits 70 with one line; --debug and REEF_DEBUG=1 add the stack trace', async () => {
    const cwd = workDir();
    // A plugin with a bug: validate() dereferences undefined while the sweep is planned.
    writeFileSync(join(cwd, 'buggy.mjs'), `export default { name: 'buggy', apiVersion: 1, register(host) { host.registerQuantizer({
      kind: 'quantizer', id: 'buggy', label: 'Buggy', summary: 'a plugin with a bug', apiVersion: 1, params: [], defaultGrid: {},
      validate(params) { return params.missing.field; }, create() { throw new Error('unused'); }, load() { throw new Error('unused'); },
    }); } };\n`);
    const args = ['--plugin', './buggy.mjs', '--methods', 'buggy', '--dataset', GAUSS, '--no-report', '--quiet'];
    const plain = await cli(args, cwd);
    expect(plain.code).toBe(EXIT_CODES.internal);
    expect(plain.stderr).toMatch(/^reef-sweep: internal error: TypeError: .*\(a bug: rerun with --debug or REEF_DEBUG=1 for the stack trace, and report it\)\n$/);
    const flag = await cli([...args, '--debug'], cwd);
    const env = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, REEF_DEBUG: '1' } });
    for (const debug of [flag, env]) {
      expect(debug.code).toBe(EXIT_CODES.internal);
      expect(debug.stderr).toMatch(/^reef-sweep: internal error: TypeError/);
      expect(debug.stderr).toMatch(/\n\s+at .*buggy\.mjs/);
    }
  }, 300_000);
});
