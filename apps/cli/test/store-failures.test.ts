import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runReef as reef } from './run-reef.js';

// Issue 18 through the real `reef` binary: one-line failures with exit 2 (not a stack trace and
// exit 70), escaped names, `reef unlock`, and `reef commit -m <msg> <files...>`.

const here = fileURLToPath(new URL('.', import.meta.url));
const FIXTURES = resolve(here, '../../../fixtures');


describe('reef store failures (issue 18)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-failures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('export to a missing folder, an escaping --as and a 300-character --as fail on one line with exit 2; unlock and commit <files> work', async () => {
    expect((await reef(['init'], dir)).code).toBe(0);
    copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(dir, 'model.safetensors'));
    const committed = await reef(['commit', '-m', 'add and commit in one', 'model.safetensors'], dir);
    expect(committed.stdout).toMatch(/^\[main [0-9a-f]{12}\] add and commit in one$/m);
    for (const [args, message] of [
      [['export', 'HEAD', '--format', 'safetensors', '-o', 'no-such-folder/m.safetensors'], /the folder .*no-such-folder does not exist/],
      [['add', 'model.safetensors', '--as', 'sub/../../victim.safetensors'], /outside the repository/],
      [['add', 'model.safetensors', '--as', `${'n'.repeat(300)}.safetensors`], /longer than 255 bytes/],
    ] as const) {
      const r = await reef([...args], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/ENOENT|ENAMETOOLONG|\n {4}at /);
    }
    // A lock from another host: the message says how to recover, unlock --force does it.
    writeFileSync(join(dir, '.reef', 'lock'), JSON.stringify({ host: `not-${hostname()}`, pid: 4242, since: '2026-01-01T00:00:00Z' }));
    const locked = await reef(['add', 'model.safetensors'], dir);
    expect(locked.code).toBe(4); // repository problem (docs/errors.md)
    expect(locked.stderr).toMatch(/locked by process 4242 on host not-.* run `reef unlock --force`/);
    expect((await reef(['unlock'], dir)).stderr).toMatch(/--force/);
    const unlocked = await reef(['unlock', '--force'], dir);
    expect(unlocked.stdout).toMatch(/removed the lock of process 4242 on host not-.* \(forced\)/);
    expect((await reef(['unlock'], dir)).stdout).toMatch(/the repository is not locked/);
    expect((await reef(['fsck'], dir)).code).toBe(0);
  }, 180_000);
});
