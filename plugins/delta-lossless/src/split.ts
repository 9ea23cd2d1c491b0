import type { BitLayout } from './planes.js';

/**
 * Fused byte-plane splitting: optional XOR against a reference, the exponent-aligned bit layout and
 * the split into planes in one pass over 32- or 16-bit words, instead of three passes and two
 * intermediate copies. Produces exactly the bytes of XOR, then `alignExponent`, then `splitPlanes`.
 */
export function toPlanes(bytes: Uint8Array, width: number, layout: BitLayout, xorWith?: Uint8Array): Uint8Array {
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  if (width === 4) {
    const w = words32(bytes);
    const r = xorWith ? words32(xorWith) : undefined;
    const aligned = layout === 'exponent-aligned';
    const [p1, p2, p3] = [n, 2 * n, 3 * n];
    for (let i = 0; i < n; i++) {
      const x = r ? (w[i] ^ r[i]) >>> 0 : w[i];
      out[i] = x & 0xff;
      out[p1 + i] = (x >>> 8) & 0xff;
      if (aligned) {
        // sign next to the top mantissa bits; the 8 exponent bits alone in the last plane
        out[p2 + i] = ((x >>> 16) & 0x7f) | ((x >>> 31) << 7);
        out[p3 + i] = (x >>> 23) & 0xff;
      } else {
        out[p2 + i] = (x >>> 16) & 0xff;
        out[p3 + i] = x >>> 24;
      }
    }
    return out;
  }
  if (width === 2) {
    const w = words16(bytes);
    const r = xorWith ? words16(xorWith) : undefined;
    const aligned = layout === 'exponent-aligned';
    for (let i = 0; i < n; i++) {
      const x = r ? w[i] ^ r[i] : w[i];
      if (aligned) {
        out[i] = (x & 0x7f) | ((x >>> 15) << 7);
        out[n + i] = (x >>> 7) & 0xff;
      } else {
        out[i] = x & 0xff;
        out[n + i] = x >>> 8;
      }
    }
    return out;
  }
  for (let k = 0; k < width; k++) {
    const base = k * n;
    if (xorWith) for (let i = 0, j = k; i < n; i++, j += width) out[base + i] = bytes[j] ^ xorWith[j];
    else for (let i = 0, j = k; i < n; i++, j += width) out[base + i] = bytes[j];
  }
  return out;
}

/** Inverse of `toPlanes`: joins planes, undoes the bit layout and the XOR, into a fresh aligned array. */
export function fromPlanes(planes: Uint8Array, width: number, layout: BitLayout, xorWith?: Uint8Array): Uint8Array {
  const n = planes.length / width;
  const out = new Uint8Array(planes.length);
  if (width === 4) {
    const o = new Uint32Array(out.buffer, 0, n);
    const r = xorWith ? words32(xorWith) : undefined;
    const aligned = layout === 'exponent-aligned';
    const [p1, p2, p3] = [n, 2 * n, 3 * n];
    for (let i = 0; i < n; i++) {
      const b2 = planes[p2 + i];
      const x = aligned
        ? planes[i] | (planes[p1 + i] << 8) | ((b2 & 0x7f) << 16) | (planes[p3 + i] << 23) | ((b2 >>> 7) << 31)
        : planes[i] | (planes[p1 + i] << 8) | (b2 << 16) | (planes[p3 + i] << 24);
      o[i] = r ? x ^ r[i] : x;
    }
    return out;
  }
  if (width === 2) {
    const o = new Uint16Array(out.buffer, 0, n);
    const r = xorWith ? words16(xorWith) : undefined;
    const aligned = layout === 'exponent-aligned';
    for (let i = 0; i < n; i++) {
      const b0 = planes[i];
      const x = aligned ? (b0 & 0x7f) | (planes[n + i] << 7) | ((b0 >>> 7) << 15) : b0 | (planes[n + i] << 8);
      o[i] = r ? x ^ r[i] : x;
    }
    return out;
  }
  for (let k = 0; k < width; k++) {
    const base = k * n;
    if (xorWith) for (let i = 0, j = k; i < n; i++, j += width) out[j] = planes[base + i] ^ xorWith[j];
    else for (let i = 0, j = k; i < n; i++, j += width) out[j] = planes[base + i];
  }
  return out;
}

/** 32-bit words of `bytes`, copying only when they are not 4-byte aligned (a view into a file buffer). */
function words32(bytes: Uint8Array): Uint32Array {
  const src = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  return new Uint32Array(src.buffer, src.byteOffset, src.length >>> 2);
}

function words16(bytes: Uint8Array): Uint16Array {
  const src = bytes.byteOffset % 2 === 0 ? bytes : new Uint8Array(bytes);
  return new Uint16Array(src.buffer, src.byteOffset, src.length >>> 1);
}
