import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the embedded binaries are what wasm/residual-coder.ts and wasm/low-rank.ts compile to (scripts/build-wasm.mjs --check)', () => {
  const script = fileURLToPath(new URL('../../../scripts/build-wasm.mjs', import.meta.url));
  const run = spawnSync(process.execPath, [script, '--check', 'plugins/delta-lossless'], { encoding: 'utf8' });
  expect(run.status, run.stderr + run.stdout).toBe(0);
}, 180_000);
