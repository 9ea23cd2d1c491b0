import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REEF_BIN, runReef } from './run-reef.js';

const run = promisify(execFile);

/**
 * `npx -y pnpm@10 reef <args>` runs the root script in the repository root with INIT_CWD set to the
 * folder the user typed it in, and pnpm 10 forwards a `--` the user wrote. The CLI undoes both.
 */
describe('reef started as the root package script (pnpm reef)', () => {
  const user = mkdtempSync(join(tmpdir(), 'reef-caller-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'reef-script-root-'));
  afterAll(() => {
    rmSync(user, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const asScript = (args: string[]) =>
    run(process.execPath, [REEF_BIN, ...args], { cwd: elsewhere, env: { ...process.env, npm_lifecycle_event: 'reef', INIT_CWD: user } });

  it("works in the caller's folder, not the script's", async () => {
    expect((await runReef(['init'], user)).code).toBe(0);
    const status = await asScript(['status']);
    expect(status.stdout).toMatch(/On branch main \(no commits yet\)/);
    // Without the script variables the same process start is not inside a repository.
    const plain = await runReef(['status'], elsewhere);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/not inside a reef repository|no reef repository/i);
  });

  it('ignores the "--" pnpm forwards before the arguments', async () => {
    const json = JSON.parse((await asScript(['--', 'plugins', '--json'])).stdout) as { quantizers: unknown[] };
    expect(json.quantizers.length).toBeGreaterThan(0);
  });
});
