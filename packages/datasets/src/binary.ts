import { kMaxLength } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ReefError, fileProblem, printable } from '@reef/core';
import { defaultMemoryBudget } from './memory.js';

/** Reads a whole file, turning "not found"/"permission denied" into a ReefError naming it. */
export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new ReefError('BAD_FILE', fileProblem(err, path) ?? `cannot read dataset file ${printable(path)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Gunzips when the bytes start with the gzip magic, so `.gz` and plain files read the same way. The
 * output is capped at the memory budget (zlib's maxOutputLength): a gzip bomb is an error, not a crash.
 */
export function maybeGunzip(bytes: Uint8Array, path: string, budget = defaultMemoryBudget()): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: Math.max(1, Math.min(budget, kMaxLength)) }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ReefError('BAD_FILE', `${path} decompresses to more than the memory budget of ${budget} bytes`, { cause: err });
    }
    throw new ReefError('BAD_FILE', `${path} looks gzip-compressed but cannot be decompressed (truncated?): ${(err as Error).message}`, { cause: err });
  }
}
