import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { ReefError } from '@reef/core';

let counter = 0;

/** A temporary name next to `path`, unique per process and call. */
export function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now()}-${counter++}`;
}

/** Flushes a file to disk so a rename never publishes a name whose bytes are still in flight. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes to a temporary file, flushes it and renames it over `path`: readers see old or new, never half. */
export function atomicWrite(path: string, data: string | Uint8Array, durable = true): void {
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function readJson<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ReefError('BAD_FILE', `cannot read ${what} (${path}): ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ReefError('BAD_FILE', `${what} (${path}) is corrupt: not valid JSON`, { cause: err });
  }
}
