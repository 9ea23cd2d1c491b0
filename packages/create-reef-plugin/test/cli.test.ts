import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const run = promisify(execFile);
const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'create-reef-plugin-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function capture(argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, scratch, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('create-reef-plugin command line', () => {
  it('needs --kind, and says which kinds there are', () => {
    const r = capture(['my-plugin']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--kind is required: one of quantizer, delta-lossless, delta-lossy/);
    expect(existsSync(join(scratch, 'my-plugin'))).toBe(false);
  });

  it('needs exactly one folder', () => {
    expect(capture(['--kind', 'quantizer']).err).toMatch(/expected one folder, got none/);
    expect(capture(['a', 'b', '--kind', 'quantizer']).err).toMatch(/expected one folder, got a b/);
  });

  it('refuses an unknown option by name', () => {
    const r = capture(['x', '--kind', 'quantizer', '--template', 'y']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--template/);
  });

  // The built command with the templates bundled in dist/, as `npm create reef-plugin` runs it.
  it('creates the package from its bundled templates and prints the next steps', async () => {
    const { stdout } = await run(process.execPath, [bin, 'reef-quantizer-halfbits', '--kind', 'quantizer'], { cwd: scratch });
    expect(stdout).toContain("Created reef-quantizer-halfbits in reef-quantizer-halfbits: a quantizer with id 'halfbits'.");
    expect(stdout).toMatch(/cd reef-quantizer-halfbits\n\s+npm install\n\s+npm test/);
    const manifest = JSON.parse(readFileSync(join(scratch, 'reef-quantizer-halfbits/package.json'), 'utf8'));
    expect(manifest.reef.quantizers).toEqual(['halfbits']);
    expect(manifest.devDependencies['@reef/testkit']).toMatch(/^\^\d+\.\d+\.\d+$/);
    // bundle-templates.mjs pins dependencies to the workspace's versions and keeps the peer policy.
    const template = JSON.parse(readFileSync(new URL('../../../templates/quantizer-plugin/package.json', import.meta.url), 'utf8'));
    expect(manifest.peerDependencies).toEqual(template.peerDependencies);
  }, 120_000);

  it('exits 1 with the reason when the folder is taken', async () => {
    mkdirSync(join(scratch, 'taken'));
    writeFileSync(join(scratch, 'taken/notes.txt'), 'mine');
    const failure = await run(process.execPath, [bin, 'taken', '--kind', 'delta-lossy'], { cwd: scratch }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/create-reef-plugin: .*taken is not empty \(it holds notes\.txt\)/);
  }, 120_000);
});
