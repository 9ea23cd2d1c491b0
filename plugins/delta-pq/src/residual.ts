import { ReefError } from '@reef/core';
import { deflateRawBytes, inflateRawBytes } from '@reef/codecs/zlib';

/**
 * The lossless residual: target bits XOR approximation bits, split into byte planes (all first
 * bytes, then all second bytes, …) and deflated. Where the approximation is close, sign, exponent
 * and top mantissa bits agree, so the high planes are nearly all zero and compress to almost nothing.
 */
export function encodeResidual(target: Uint8Array, approximation: Uint8Array, width: number): Uint8Array {
  const n = target.length / width;
  const planes = new Uint8Array(target.length);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < width; b++) planes[b * n + i] = target[i * width + b] ^ approximation[i * width + b];
  }
  return deflateRawBytes(planes, 9);
}

export function decodeResidual(residual: Uint8Array, approximation: Uint8Array, width: number): Uint8Array {
  let planes: Uint8Array;
  try {
    planes = inflateRawBytes(residual, approximation.length);
  } catch (cause) {
    throw new ReefError('BAD_MODEL', `pq-lossless residual does not inflate: ${(cause as Error).message}`, { cause });
  }
  if (planes.length !== approximation.length) {
    throw new ReefError('BAD_MODEL', `pq-lossless residual holds ${planes.length} bytes, expected ${approximation.length}`);
  }
  const n = approximation.length / width;
  const out = new Uint8Array(approximation.length);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < width; b++) out[i * width + b] = planes[b * n + i] ^ approximation[i * width + b];
  }
  return out;
}
