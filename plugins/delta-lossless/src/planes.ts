import { constants, deflateSync, inflateSync } from 'node:zlib';
import { ReefError } from '@reef/core';

/**
 * Byte-plane splitting: byte k of every element goes to plane k. In float data the sign/exponent
 * byte is highly repetitive while the low mantissa bytes are noise; apart, the compressor sees the
 * repetition instead of having it diluted by noise. This is HDF5's "shuffle" filter, done here
 * because h5wasm allows one filter per dataset.
 */
export function splitPlanes(bytes: Uint8Array, width: number): Uint8Array {
  if (width === 1) return bytes.slice();
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < width; k++) {
    const base = k * n;
    for (let i = 0, j = k; i < n; i++, j += width) out[base + i] = bytes[j];
  }
  return out;
}

/** Inverse of `splitPlanes`. */
export function joinPlanes(planes: Uint8Array, width: number): Uint8Array {
  if (width === 1) return planes.slice();
  const n = planes.length / width;
  const out = new Uint8Array(planes.length);
  for (let k = 0; k < width; k++) {
    const base = k * n;
    for (let i = 0, j = k; i < n; i++, j += width) out[j] = planes[base + i];
  }
  return out;
}

/**
 * deflate returning a plain Uint8Array: Node's Buffer subclass is not recognised by every consumer
 * (h5wasm refuses it when writing a dataset).
 */
export function deflateBytes(bytes: Uint8Array, level: number, rle = false): Uint8Array {
  const out = deflateSync(bytes, rle ? { level, strategy: constants.Z_RLE } : { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Compresses one byte plane. Run-length + Huffman (zlib's Z_RLE) first: several times faster than
 * full deflate and as small on weight planes, whose redundancy is skewed byte frequencies and runs
 * of zeros rather than repeated strings. Where that leaves under a tenth, full deflate (fast on such
 * redundant data) is also tried for repeated strings (integer or padded tensors); the smaller is kept.
 */
export function compressPlane(plane: Uint8Array, level: number): Uint8Array {
  if (looksIncompressible(plane)) return plane;
  const rle = deflateBytes(plane, level, true);
  if (rle.length * 10 > plane.length) return rle;
  const full = deflateBytes(plane, level);
  return full.length < rle.length ? full : rle;
}

/** Above this order-0 entropy (bits per byte) deflate cannot gain more than ~0.4%: skip it. */
const NOISE_BITS_PER_BYTE = 7.97;
const ENTROPY_SAMPLE = 1 << 16;

/**
 * Order-0 entropy of a plane, from a sample: low mantissa planes of float data are noise, and
 * deflating them costs most of the encode time for nothing. Measured on the data, never assumed.
 */
export function looksIncompressible(plane: Uint8Array): boolean {
  if (plane.length < 4096) return false;
  const counts = new Uint32Array(256);
  const n = Math.min(plane.length, ENTROPY_SAMPLE);
  const stride = plane.length / n;
  for (let i = 0; i < n; i++) counts[plane[Math.floor(i * stride)]]++;
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= (c / n) * Math.log2(c / n);
  // A sample of n bytes under-estimates entropy by about 255 / (2 n ln 2) bits: correct for it.
  return bits + 255 / (2 * n * Math.LN2) > NOISE_BITS_PER_BYTE;
}

/** How each plane was stored: deflated, or raw when deflate did not make it smaller (noise planes). */
export interface PackedPlanes {
  readonly bytes: Uint8Array;
  /** Stored length of each plane, in order. */
  readonly lengths: number[];
  /** Whether each plane is deflated. */
  readonly deflated: boolean[];
}

/**
 * Splits into byte planes and compresses each plane on its own, keeping it raw when deflate does
 * not pay. Each plane is measured, never assumed compressible.
 */
export function packPlanes(bytes: Uint8Array, width: number, level = 6): PackedPlanes {
  const planes = splitPlanes(bytes, width);
  const n = planes.length / width;
  const parts: Uint8Array[] = [];
  const deflated: boolean[] = [];
  for (let k = 0; k < width; k++) {
    const plane = planes.subarray(k * n, (k + 1) * n);
    const packed = compressPlane(plane, level);
    const usePacked = packed !== plane && packed.length < plane.length;
    parts.push(usePacked ? packed : plane);
    deflated.push(usePacked);
  }
  const lengths = parts.map((p) => p.length);
  const out = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { bytes: out, lengths, deflated };
}

/** Inverse of `packPlanes`; `totalBytes` is the unpacked size, checked so corruption is caught. */
export function unpackPlanes(packed: PackedPlanes, width: number, totalBytes: number): Uint8Array {
  if (packed.lengths.length !== width || packed.deflated.length !== width) {
    throw new ReefError('BAD_MODEL', `delta payload lists ${packed.lengths.length} byte planes, expected ${width}`);
  }
  const n = totalBytes / width;
  const planes = new Uint8Array(totalBytes);
  let at = 0;
  for (let k = 0; k < width; k++) {
    const stored = packed.bytes.subarray(at, at + packed.lengths[k]);
    at += packed.lengths[k];
    let plane: Uint8Array;
    try {
      plane = packed.deflated[k] ? inflateSync(stored) : stored;
    } catch (err) {
      throw new ReefError('BAD_MODEL', `delta payload byte plane ${k} does not inflate: ${(err as Error).message}`, { cause: err });
    }
    if (plane.length !== n) throw new ReefError('BAD_MODEL', `delta payload byte plane ${k} has ${plane.length} bytes, expected ${n}`);
    planes.set(plane, k * n);
  }
  return joinPlanes(planes, width);
}
