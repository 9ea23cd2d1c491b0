import { spawn } from 'node:child_process';
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

/**
 * Runs the built CLI in a real process. Asynchronous, not spawnSync: a test worker blocked for a
 * minute of child processes on a loaded machine misses vitest's RPC deadline ("Timeout calling
 * onTaskUpdate") and the run fails although every test passed.
 */
export function cli(args: readonly string[], cwd: string): Promise<CliResult> {
  // Computed ground truth goes to $XDG_CACHE_HOME/reef: the test's own folder, not the user's cache.
  return run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0', XDG_CACHE_HOME: join(cwd, '.xdg-cache') } });
}

/** Runs a command to completion without blocking the event loop; output as UTF-8 text. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Runs the CLI asynchronously (for interrupt tests). */
export function cliProcess(args: readonly string[], cwd: string) {
  return spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: join(cwd, '.xdg-cache') } });
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
