import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// scripts/build-wasm.mjs compiles every AssemblyScript module; --check fails on a stale binary.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const script = join(repoRoot, 'scripts/build-wasm.mjs');
const checkWasm = (...args: string[]) => spawnSync(process.execPath, [script, '--check', ...args], { encoding: 'utf8' });

describe('WASM binaries and their sources', () => {
  it('the embedded kernels binary is what wasm/kernels.ts compiles to', () => {
    const run = checkWasm('packages/kernels');
    expect(run.status, run.stderr + run.stdout).toBe(0);
  }, 180_000);

  it('the check fails, naming the constant, when a committed binary differs from its source', () => {
    const root = mkdtempSync(join(tmpdir(), 'reef-wasm-check-'));
    try {
      // A copy of the smallest module (the store's sketch) with one base64 character changed.
      cpSync(join(repoRoot, 'packages/store/wasm'), join(root, 'packages/store/wasm'), { recursive: true });
      cpSync(join(repoRoot, 'packages/store/src/sketch-wasm.ts'), join(root, 'packages/store/src/sketch-wasm.ts'));
      const generated = join(root, 'packages/store/src/sketch-wasm.ts');
      const text = readFileSync(generated, 'utf8');
      const at = text.indexOf("'AGFzbQ") + 20;
      writeFileSync(generated, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
      const run = checkWasm('--root', root, 'packages/store');
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('packages/store/src/sketch-wasm.ts: SKETCH_WASM_BASE64 (649 bytes) differs from the 649 bytes wasm/sketch.ts compiles to');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a package it has no modules for', () => {
    const run = checkWasm('plugins/rq');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('no WASM modules are listed for plugins/rq');
  }, 60_000);
});
