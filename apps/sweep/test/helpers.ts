import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultsDb, type RunRow } from '../src/index.js';

export const APP = join(import.meta.dirname, '..');
export const BIN = join(APP, 'dist/bin.js');
export const TOY = join(import.meta.dirname, 'fixtures/toy-plugin');
export const FIXTURES = join(APP, '../../fixtures');
export const GAUSS = join(FIXTURES, 'gauss-500-16-euclidean.hdf5');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'reef-sweep-test-'));
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in a real process. */
export function cli(args: readonly string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI asynchronously (for interrupt tests). */
export function cliProcess(args: readonly string[], cwd: string) {
  return spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The toy plugin on the small gauss fixture: a fast sweep. */
export const TOY_ARGS = ['--plugin', TOY, '--methods', 'toy', '--dataset', GAUSS, '--no-report', '--quiet'];

const dirs: string[] = [];
/** A fresh temp folder, removed by `removeWorkDirs` (call it in afterAll). */
export function workDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
export function removeWorkDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Every row of a results database, read with the app's own reader. */
export async function readRows(db: string): Promise<RunRow[]> {
  const r = await ResultsDb.open(db, { create: false });
  try {
    return r.rows();
  } finally {
    r.close();
  }
}
