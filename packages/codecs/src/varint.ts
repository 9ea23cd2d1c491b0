import { ReefError } from '@reef/core/errors';

/**
 * Strictly increasing element indices as LEB128 varints of their gaps: any tensor size (indices
 * beyond 2^32 included, up to 2^53), and small gaps take one byte, which a compressor then squeezes
 * further. Used by the sparse delta types' index lists.
 */
export function encodeIndexGaps(sortedIndices: ArrayLike<number>): Uint8Array {
  const bytes: number[] = [];
  let previous = -1;
  for (let i = 0; i < sortedIndices.length; i++) {
    let gap = sortedIndices[i] - previous - 1;
    if (!(gap >= 0) || !Number.isInteger(gap)) {
      throw new ReefError('INVALID_PARAM', `indices must be strictly increasing integers (index ${sortedIndices[i]} after ${previous})`);
    }
    previous = sortedIndices[i];
    while (gap >= 0x80) {
      bytes.push((gap % 0x80) | 0x80);
      gap = Math.floor(gap / 0x80);
    }
    bytes.push(gap);
  }
  return Uint8Array.from(bytes);
}

/**
 * Inverse of `encodeIndexGaps`: exactly `count` indices, each below `limit`, and no bytes left over;
 * anything else is a corrupt payload.
 */
export function decodeIndexGaps(bytes: Uint8Array, count: number, limit: number): Float64Array {
  const out = new Float64Array(count);
  let pos = 0;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    let gap = 0;
    let scale = 1;
    for (;;) {
      if (pos >= bytes.length) throw new ReefError('BAD_MODEL', `index stream ends after ${i} of ${count} indices`);
      const b = bytes[pos++];
      gap += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
    }
    previous += gap + 1;
    if (previous >= limit) throw new ReefError('BAD_MODEL', `index ${previous} is out of range for ${limit} elements`);
    out[i] = previous;
  }
  if (pos !== bytes.length) throw new ReefError('BAD_MODEL', `index stream has ${bytes.length - pos} trailing bytes`);
  return out;
}
