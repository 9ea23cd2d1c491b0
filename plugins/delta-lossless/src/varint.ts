import { ReefError } from '@reef/core';

/**
 * Ascending element indices as LEB128 varints of their gaps: any tensor size (indices beyond 2^32
 * included, up to 2^53), and small gaps take one byte, which the compressor then squeezes further.
 */
export function encodeIndexGaps(indices: readonly number[]): Uint8Array {
  const out: number[] = [];
  let prev = -1;
  for (const index of indices) {
    let gap = index - prev - 1;
    prev = index;
    while (gap >= 0x80) {
      out.push((gap % 0x80) | 0x80);
      gap = Math.floor(gap / 0x80);
    }
    out.push(gap);
  }
  return Uint8Array.from(out);
}

export function decodeIndexGaps(bytes: Uint8Array, count: number, limit: number): number[] {
  const out: number[] = [];
  let prev = -1;
  let at = 0;
  for (let k = 0; k < count; k++) {
    let gap = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new ReefError('BAD_MODEL', `index list ends after ${k} of ${count} indices`);
      const b = bytes[at++];
      gap += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
    }
    prev = prev + gap + 1;
    if (prev >= limit) throw new ReefError('BAD_MODEL', `index ${prev} is out of range for ${limit} elements`);
    out.push(prev);
  }
  return out;
}
