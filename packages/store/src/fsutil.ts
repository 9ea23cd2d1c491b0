import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ReefError } from '@reef/core/errors';

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
  const tmp = writeTemp(path, data, durable);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A file to publish after others: written under a temporary name, renamed over `path` in turn. */
export interface LaterFile {
  readonly path: string;
  readonly data: string;
  /** Progress stage reported once it is renamed into place. */
  readonly stage?: string;
}

/** Writes `data` to a fresh temporary name next to `path` (flushed only if `durable`) and returns that name. */
export function writeTemp(path: string, data: string | Uint8Array, durable = false): string {
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return tmp;
}

/**
 * Flushes several files at once on libuv's thread pool. Files that are renamed into place one after
 * the other (pack, manifest, staging index) need their bytes on disk before the first rename, not
 * one flush after another: issued together, the flushes overlap (measured ~2 ms each on this
 * machine's ext4, more for a multi-MB pack) and the renames still happen in order.
 */
export async function fsyncAll(paths: readonly string[]): Promise<void> {
  await Promise.all(
    paths.map(async (path) => {
      const handle = await open(path, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }),
  );
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
