import { ReefError } from '@reef/core';
import { deflateRawBytes, inflateRawBytes } from '@reef/codecs/zlib';

/**
 * Integer codes, entropy-coded: byte planes (all low bytes, then all high bytes for int16) deflated.
 * Codes of a training delta crowd near the middle of the grid, so the planes compress well, and
 * the high plane of int16 codes is nearly constant.
 */
export function deflateCodes(codes: Int8Array | Int16Array): Uint8Array {
  const width = codes.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength);
  const planes = new Uint8Array(bytes.length);
  for (let i = 0; i < codes.length; i++) for (let b = 0; b < width; b++) planes[b * codes.length + i] = bytes[i * width + b];
  return deflateRawBytes(planes, 9);
}

export function inflateCodes(deflated: Uint8Array, bits: 8 | 16, n: number): Int8Array | Int16Array {
  const width = bits / 8;
  let planes: Uint8Array;
  try {
    planes = inflateRawBytes(deflated, n * width);
  } catch (cause) {
    throw new ReefError('BAD_MODEL', `int${bits} delta: codes_deflated does not inflate: ${(cause as Error).message}`, { cause });
  }
  if (planes.length !== n * width) throw new ReefError('BAD_MODEL', `int${bits} delta: codes_deflated holds ${planes.length} bytes, expected ${n * width}`);
  const bytes = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) for (let b = 0; b < width; b++) bytes[i * width + b] = planes[b * n + i];
  return bits === 8 ? new Int8Array(bytes.buffer) : new Int16Array(bytes.buffer);
}
