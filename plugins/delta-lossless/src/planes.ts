import { deflateSync, inflateSync } from 'node:zlib';
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
export function deflateBytes(bytes: Uint8Array, level: number): Uint8Array {
  const out = deflateSync(bytes, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
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
    const packed = deflateBytes(plane, level);
    const usePacked = packed.length < plane.length;
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
