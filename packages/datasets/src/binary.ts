import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ReefError } from '@reef/core';

/** Reads a whole file, turning "not found"/"permission denied" into a ReefError naming it. */
export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new ReefError('BAD_FILE', `cannot read dataset file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Gunzips when the bytes start with the gzip magic, so `.gz` and plain files read the same way. */
export function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (err) {
    throw new ReefError('BAD_FILE', `${path} looks gzip-compressed but cannot be decompressed (truncated?): ${(err as Error).message}`, { cause: err });
  }
}
