import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Tensor } from '@reef/core';

/**
 * Content address of a tensor: sha256 over dtype, shape and bytes. Two tensors with the same bytes
 * but another dtype or shape are different objects; identical tensors anywhere share one object.
 */
export function tensorHash(t: Tensor): string {
  return createHash('sha256').update(`${t.dtype}\n${JSON.stringify(t.shape)}\n`).update(t.data).digest('hex');
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Read size for hashing files: large enough for throughput, small next to any model. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** sha256 of a file, read in chunks: a large checkpoint is never held in memory to be hashed. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (let n: number; (n = readSync(fd, buffer, 0, CHUNK_BYTES, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
