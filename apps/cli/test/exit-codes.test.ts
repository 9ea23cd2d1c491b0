import { EXIT_CODES } from '@reef/core/exit-codes';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runReef as reef } from './run-reef.js';

// docs/errors.md through the real `reef` binary: each class of failure exits with its code and
// prints one `reef:` line naming the problem and the file; stack traces only with --debug.

const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../fixtures');
const STACK = /\n\s+at /;

/** A quantizer plugin with a bug (it dereferences undefined), to provoke an internal error. */
const BUGGY_PLUGIN = `export default { name: 'buggy', apiVersion: 1, register(host) { host.registerQuantizer({
  kind: 'quantizer', id: 'buggy', label: 'Buggy', summary: 'a plugin with a bug', apiVersion: 1,
  params: [], defaultGrid: {}, validate() { return undefined; }, create(params) { return params.missing.field; }, load() { throw new Error('no'); },
}); } };
`;

describe('reef exit codes and failure lines (docs/errors.md)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-exit-codes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('usage 2, bad input 3, repository problem 4: one line each, no stack trace', async () => {
    const outside = join(dir, 'not-a-repo');
    mkdirSync(outside);
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    expect((await reef(['init'], repo)).code).toBe(0);
    writeFileSync(join(repo, 'short.safetensors'), 'hello');
    const cases: [string[], string, number, RegExp][] = [
      [['log', '--onelin'], repo, EXIT_CODES.usage, /^reef: unknown option --onelin \(did you mean --oneline\?\); see 'reef log --help'$/],
      [['plugins', 'extra'], repo, EXIT_CODES.usage, /^reef: too many arguments for 'plugins'\. Expected 0 arguments but got 1; see 'reef plugins --help'$/],
      [['stauts'], repo, EXIT_CODES.usage, /^reef: unknown command 'stauts' \(did you mean 'status'\?\)/],
      [['export', 'HEAD'], repo, EXIT_CODES.usage, /^reef: required option '--format <format>' not specified; see 'reef export --help'$/],
      [['log', '-n', 'zero'], repo, EXIT_CODES.usage, /^reef: --limit must be a positive integer, got 'zero'$/],
      [['add', 'nosuch.safetensors'], repo, EXIT_CODES.badInput, /^reef: no such file: nosuch\.safetensors$/],
      [['add', 'short.safetensors'], repo, EXIT_CODES.badInput, /^reef: short\.safetensors: 5 bytes is too short for a safetensors file/],
      [['status'], outside, EXIT_CODES.repository, /^reef: .*not-a-repo is not inside a reef repository \(run reef init\)$/],
    ];
    // No command at all: the help on stderr, and the usage status.
    const bare = await reef([], repo);
    expect(bare.code).toBe(EXIT_CODES.usage);
    expect(bare.stderr).toContain('Usage: reef [options] [command]');
    expect((await reef(['help'], repo)).code).toBe(EXIT_CODES.ok);
    for (const [args, cwd, code, says] of cases) {
      const r = await reef(args, cwd);
      expect(r.code, `reef ${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trimEnd()).toMatch(says);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(STACK);
    }
  }, 300_000);

  it('check failed 1: fsck of a damaged repository names the problems and exits 1', async () => {
    const repo = join(dir, 'damaged');
    mkdirSync(repo);
    expect((await reef(['init'], repo)).code).toBe(0);
    copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(repo, 'model.safetensors'));
    expect((await reef(['commit', '-m', 'base', 'model.safetensors'], repo)).code).toBe(0);
    expect((await reef(['fsck'], repo)).code).toBe(EXIT_CODES.ok);
    const packs = join(repo, '.reef', 'packs');
    const pack = join(packs, readdirSync(packs).find((f) => f.endsWith('.h5'))!);
    const raw = readFileSync(pack);
    for (let i = raw.length - 2000; i < raw.length - 100; i += 7) raw[i] ^= 0x55;
    writeFileSync(pack, raw);
    const r = await reef(['fsck'], repo);
    expect(r.code, r.stderr).toBe(EXIT_CODES.checkFailed);
    expect(r.stdout).toMatch(/\d+ problem\(s\) found/);
  }, 120_000);

  it('escapes untrusted bytes: a file name with an ANSI escape and a newline is printed as \\u escapes on one line', async () => {
    const repo = join(dir, 'escape');
    mkdirSync(repo);
    expect((await reef(['init'], repo)).code).toBe(0);
    const r = await reef(['add', 'x\u001b[2J\nFAKE.safetensors'], repo);
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toMatch(/^reef: x\\u001b\[2J\\u000aFAKE\.safetensors: .*not a safe path: it contains a NUL or control character\n$/);
    expect(r.stderr).not.toContain('\u001b');
  }, 120_000);

  it('an internal error exits 70 with one line saying how to get the stack; --debug and REEF_DEBUG=1 print it', async () => {
    writeFileSync(join(dir, 'buggy.mjs'), BUGGY_PLUGIN);
    const args = ['--plugin', './buggy.mjs', 'demo', '--method', 'buggy', '--dataset', join(FIXTURES, 'gauss-500-16-euclidean.hdf5')];
    const plain = await reef(args, dir);
    expect(plain.code).toBe(EXIT_CODES.internal);
    expect(plain.stderr).toMatch(/^reef: internal error: TypeError: Cannot read properties of undefined \(reading 'field'\) \(a bug: rerun with --debug or REEF_DEBUG=1 for the stack trace, and report it\)\n$/);
    for (const [extra, env] of [[['--debug'], {}], [[], { REEF_DEBUG: '1' }]] as const) {
      const debug = await reef([...args, ...extra], dir, env);
      expect(debug.code).toBe(EXIT_CODES.internal);
      expect(debug.stderr).toMatch(/^reef: internal error: TypeError: Cannot read properties of undefined/);
      expect(debug.stderr).toMatch(STACK);
      expect(debug.stderr).toContain('buggy.mjs');
    }
    // --debug also shows where a refusal of bad input came from; the first line stays the same.
    const refused = await reef(['add', 'nosuch.safetensors', '--debug'], dir);
    expect(refused.code).toBe(EXIT_CODES.repository);
    expect(refused.stderr).toMatch(/^reef: .* is not inside a reef repository/);
    expect(refused.stderr).toMatch(STACK);
  }, 300_000);
});
