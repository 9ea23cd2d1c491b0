import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The built CLI as installed (package.json's bin, the bundle): every test runs `reef` as a user does, in a real process. */
export const REEF_BIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/bundle/reef.js');

export interface ReefRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `reef args…` in `cwd` (with `env` added to this process's); a non-zero exit is a result to check, not a thrown error. */
export async function runReef(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ReefRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [REEF_BIN, ...args], { cwd, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Seeded values in [-1, 1) (xorshift32), for weight files the tests write. */
export function noise(seed: number, n: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  });
}
