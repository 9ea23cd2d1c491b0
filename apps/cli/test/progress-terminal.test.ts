import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REEF_BIN, noise, runReef } from './run-reef.js';

/**
 * Progress is drawn only on a terminal: these tests run `reef` in a real pseudo-terminal through
 * util-linux's `script` (skipped, saying so, where it is not installed) and through pipes.
 */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasScript) console.log('progress-terminal: `script` (util-linux) not found; pseudo-terminal tests skipped');

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `reef args…` in a pseudo-terminal; returns everything the terminal received. Asynchronous: never blocks vitest's worker. */
function inTerminal(args: string[], cwd: string): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, REEF_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen: Buffer.concat(out).toString('utf8') }));
  });
}

/** A safetensors file of `count` float32 tensors of `n` seeded values each. */
function writeModel(file: string, count: number, n: number, seed: number): void {
  const header: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) header[`layer${i}.weight`] = { dtype: 'F32', shape: [n], data_offsets: [i * 4 * n, (i + 1) * 4 * n] };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  const parts: Buffer[] = [head, Buffer.from(json)];
  for (let i = 0; i < count; i++) parts.push(Buffer.from(noise(seed + i, n).buffer));
  writeFileSync(file, Buffer.concat(parts));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'reef-progress-'));
  dirs.push(dir);
  writeModel(join(dir, 'model.safetensors'), 8, 1 << 19, 1); // 16 MiB in 8 tensors
  return dir;
}

/** The status line: erased and redrawn in place, with a bar, bytes of the total and an ETA. */
const STATUS = /\r\x1b\[K(add|fsck|export)  [█░]{20} +\d+%  [\d.]+ (B|KiB|MiB)\/16\.0 MiB/;

describe('progress of store commands', () => {
  it.skipIf(!hasScript)('add, fsck and export draw a status line on a terminal and erase it before their output', async () => {
    const dir = repo();
    expect((await runReef(['init'], dir)).code).toBe(0);
    const add = await inTerminal(['add', 'model.safetensors'], dir);
    expect(add.code).toBe(0);
    expect(add.screen).toMatch(STATUS);
    expect(add.screen).toContain('add  ');
    // The last status line is erased before the command's own lines.
    expect(add.screen).toMatch(/\r\x1b\[K(?:\r\n)?added model\.safetensors/);
    expect((await runReef(['commit', '-m', 'one'], dir)).code).toBe(0);
    const fsck = await inTerminal(['fsck'], dir);
    expect(fsck.code).toBe(0);
    expect(fsck.screen).toMatch(/\r\x1b\[Kfsck  /);
    const exported = await inTerminal(['export', 'HEAD', '--format', 'safetensors', '-o', 'out.safetensors'], dir);
    expect(exported.code).toBe(0);
    expect(exported.screen).toMatch(/\r\x1b\[Kexport  [█░]{20}/);
  });

  it.skipIf(!hasScript)('--quiet draws nothing on a terminal', async () => {
    const dir = repo();
    await runReef(['init'], dir);
    const add = await inTerminal(['--quiet', 'add', 'model.safetensors'], dir);
    expect(add.code).toBe(0);
    expect(add.screen).toContain('added model.safetensors');
    expect(add.screen).not.toContain('\x1b[K');
    expect(add.screen).not.toContain('ETA');
  });

  it('piped, the same commands print only their results', async () => {
    const dir = repo();
    await runReef(['init'], dir);
    const add = await runReef(['add', 'model.safetensors'], dir);
    expect(add.code).toBe(0);
    await runReef(['commit', '-m', 'one'], dir);
    const fsck = await runReef(['fsck'], dir);
    for (const r of [add, fsck]) {
      expect(r.stdout + r.stderr).not.toContain('\x1b[K');
      expect(r.stdout + r.stderr).not.toContain('ETA');
      expect(r.stderr).toBe('');
    }
  });
});
