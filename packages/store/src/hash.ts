import { createHash } from 'node:crypto';
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
