import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addCommand, branchCommand, checkoutCommand, commitCommand, diffCommand, exportCommand, fsckCommand, gcCommand, initCommand,
  logCommand, mergeCommand, showCommand, statsCommand, statusCommand, tagCommand,
} from '../src/index.js';
import { FIXTURES, tempDir, losslessRegistry } from './helpers.js';

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
    expect(stats).toMatch(/2 commits/);
    expect(stats).toMatch(/whole/);
    expect((await gcCommand(env))[0]).toMatch(/removed 0 unreachable objects/);
    const fsck = await fsckCommand(env);
    expect(fsck.ok).toBe(true);
    await expect(checkoutCommand(env, 'no-such-branch')).rejects.toThrow(/unknown revision 'no-such-branch'/);
    await expect(exportCommand(env, 'HEAD', { format: 'pt', output: 'x' })).rejects.toThrow(/--format must be safetensors or npz/);
  });
});
