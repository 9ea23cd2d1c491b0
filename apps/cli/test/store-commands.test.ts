import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaPq from '@reef/delta-pq';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addCommand, branchCommand, checkoutCommand, commitCommand, diffCommand, exportCommand, exportVerdict, fsckCommand, gcCommand, initCommand,
  logCommand, mergeCommand, showCommand, statsCommand, statusCommand, tagCommand,
} from '../src/commands/store-commands.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures', import.meta.url));

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The lossless delta types every repository written so far needs (the store registers none). */
function losslessRegistry(): Registry {
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  return registry;
}

describe('export messages', () => {
  it('claims byte-identity only for an identical file; a lossy export names its bound and worst error', () => {
    expect(exportVerdict({ bytes: 10, verbatim: true, identical: true, sha256: 'ab'.repeat(32) })).toBe('byte-identical to the file that was added (sha256 abababababababab)');
    const loss = { tensors: 8, of: 14, maxRelError: 1e-3, relL2: 8.97e-4, maxAbs: 1.5e-5 };
    // Same layout as the added file (verbatim) and still lossy: the message must say so.
    const lossy = exportVerdict({ bytes: 10, verbatim: true, identical: false, loss });
    expect(lossy).toBe('lossy: 8 of 14 tensor(s) approximate, recorded bound: max relative error 0.001; worst measured: rel L2 8.97e-4, max |err| 1.50e-5; not the file that was added');
    expect(exportVerdict({ bytes: 10, verbatim: false, identical: false, loss: { ...loss, maxRelError: undefined } })).toMatch(/^lossy: .*bound not recorded/);
    expect(exportVerdict({ bytes: 10, verbatim: false, identical: false })).toBe('converted; every tensor exact');
  });
});

describe('store commands (what the CLI prints)', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  const env = { cwd: dir, registry: losslessRegistry() };

  it('runs a session: init, add, status, commit, log, show, diff, tag, branch, merge, export, stats, gc, fsck', async () => {
    expect(initCommand(env)[0]).toMatch(/Initialized empty reef repository/);
    copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(dir, 'model.safetensors'));
    expect((await addCommand(env, ['model.safetensors'])).join('\n')).toMatch(/added model\.safetensors \(safetensors, 7 tensors/);
    expect((await statusCommand(env)).join('\n')).toMatch(/added\s+model\.safetensors/);
    expect((await commitCommand(env, 'f32 weights'))[0]).toMatch(/^\[main [0-9a-f]{12}\] f32 weights$/);
    expect(await tagCommand(env, 'v1')).toEqual([expect.stringMatching(/tagged [0-9a-f]{12} as v1/)]);
    // The f16 file has the same tensor names and shapes but another dtype: all stored anew.
    copyFileSync(join(FIXTURES, 'tiny-mlp-f16.safetensors'), join(dir, 'model.safetensors'));
    await addCommand(env, ['model.safetensors']);
    await commitCommand(env, 'f16 weights');
    const log = await logCommand(env, undefined, { oneline: true });
    expect(log).toEqual([expect.stringMatching(/ \(main\) f16 weights$/), expect.stringMatching(/ \(tag: v1\) f32 weights$/)]);
    expect((await showCommand(env, 'v1')).join('\n')).toMatch(/0\.weight\s+f32\s+\[32, 64\]/);
    const diff = await diffCommand(env, 'v1', 'main');
    expect(diff.some((l) => l.startsWith('changed  model.safetensors:0.weight') && l.includes('dtype or shape changed'))).toBe(true);
    expect((await branchCommand(env, 'old', 'v1'))[0]).toMatch(/created branch old/);
    expect((await branchCommand(env)).join('\n')).toMatch(/\* main/);
    expect(await mergeCommand(env, 'old')).toEqual(['Already up to date.']);
    await checkoutCommand(env, 'old');
    expect(readFileSync(join(dir, 'model.safetensors')).equals(readFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors')))).toBe(true);
    expect(await mergeCommand(env, 'main')).toEqual([expect.stringMatching(/^Fast-forward to/)]);
    expect((await exportCommand(env, 'v1', { format: 'npz', output: 'out.npz' }))[0]).toMatch(/converted/);
    expect((await exportCommand(env, 'HEAD', { format: 'safetensors', output: 'out.safetensors' }))[0]).toMatch(/byte-identical/);
    expect(readFileSync(join(dir, 'out.safetensors')).equals(readFileSync(join(FIXTURES, 'tiny-mlp-f16.safetensors')))).toBe(true);
    const stats = (await statsCommand(env)).join('\n');
    expect(stats).toMatch(/^2 commit\(s\) holding 2 distinct file version\(s\)/);
    expect(stats).toMatch(/whole/);
    expect((await gcCommand(env))[0]).toMatch(/removed 0 unreachable objects/);
    const fsck = await fsckCommand(env);
    expect(fsck.ok).toBe(true);
    await expect(checkoutCommand(env, 'no-such-branch')).rejects.toThrow(/unknown revision 'no-such-branch'/);
    await expect(exportCommand(env, 'HEAD', { format: 'pt', output: 'x' })).rejects.toThrow(/--format must be safetensors or npz/);
  });

  it('reports what a lossy commit did, and names CLI flags in errors the library reports with option names', async () => {
    const { dir: fresh, cleanup: done } = tempDir();
    try {
      const registry = losslessRegistry();
      registry.use(deltaPq, '@reef/delta-pq');
      const lossy = { cwd: fresh, registry };
      initCommand(lossy);
      copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(fresh, 'model.safetensors'));
      await addCommand(lossy, ['model.safetensors']);
      await expect(commitCommand(lossy, 'x', { maxRelError: 1e-3, lossless: true })).rejects.toThrow('--lossless and --max-rel-error exclude each other');
      await expect(commitCommand(lossy, ' ')).rejects.toThrow('a commit needs a message (-m)');
      await expect(commitCommand(lossy, 'x', { maxRelError: -1 })).rejects.toThrow('--max-rel-error must be a finite number > 0 (a relative L2 error such as 1e-3), got -1');
      await expect(commitCommand(lossy, 'x', { maxRelError: 1e-3, pqMinBytes: 1.5 })).rejects.toThrow('--pq-min-bytes must be an integer >= 0, got 1.5');
      // pq-lossy only, at 1e-12: nothing meets it; the output names the tensors and the closest error.
      const out = (await commitCommand(lossy, 'too strict', { maxRelError: 1e-12 })).join('\n');
      expect(out).toMatch(/^\[main [0-9a-f]{12}\] too strict\nmax relative error 1e-12: 0 tensor\(s\) stored lossy, \d+ kept lossless/);
      expect(out).toMatch(/stored losslessly: no lossy encoding met relative error <= 1e-12/);
      expect(out).toMatch(/0\.weight \(closest: pq-lossy at \d\.\d\de-\d+\)/);
      writeFileSync(join(fresh, 'model.safetensors'), 'changed');
      await expect(checkoutCommand(lossy, 'HEAD')).rejects.toThrow(/uncommitted changes would be lost \(modified model\.safetensors\); commit them or use --force$/);
    } finally {
      done();
    }
  });
});
