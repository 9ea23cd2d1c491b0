import { ReefError } from '@reef/core/errors';
import type { BitLayout } from './bit-layout.js';
import { ByteModel, RangeDecoder, encodeByteRun } from './range-coder.js';

/**
 * Context modelling of the two most significant byte planes of f32, bf16 and f16 tensors (exponent,
 * and sign with the top mantissa bits), coded by the adaptive arithmetic coder. What the context is:
 *
 * - against a reference (an XOR delta): the reference element's magnitude (its exponent, 32
 *   classes). How many high bits an update flips depends on the update's size relative to the
 *   weight, so small weights flip more; plus whether the element before (top plane) or the same
 *   element's top plane (second plane) changed.
 * - alone (a whole tensor): the magnitude of the element before (top plane), of the element itself
 *   (second plane).
 *
 * Measured on the Fashion-MNIST CNN series (bench/store/series.mjs): the XOR of two epochs' exponent
 * planes codes in ~0.6 of zstd -19's bytes, the sign/top-mantissa plane ~0.95; lower planes are
 * noise and are left to deflate or stored raw.
 */

const CLASSES = 32;

/** Whether planes of this dtype in this bit layout have a context model here. */
export function contextCodable(dtype: string | undefined, width: number, layout: BitLayout): boolean {
  return (width === 4 && dtype === 'f32' && layout === 'exponent-aligned') || (width === 2 && ((dtype === 'bf16' && layout === 'exponent-aligned') || (dtype === 'f16' && layout === 'bytes')));
}

/** Magnitude class (0..31) of a top-plane byte: the exponent (f32, bf16: from 2^-31 up), f16's 5 exponent bits. */
function classOfTop(dtype: string, top: number): number {
  if (dtype === 'f16') return (top >>> 2) & 31;
  const c = top - 96;
  return c < 0 ? 0 : c > 31 ? 31 : c;
}

/** Magnitude class of each reference element, from its bits. */
function referenceClasses(dtype: string, reference: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const src = reference.byteOffset % 4 === 0 ? reference : new Uint8Array(reference);
  if (dtype === 'f32') {
    const w = new Uint32Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = classOfTop(dtype, (w[i] >>> 23) & 0xff);
  } else {
    const h = new Uint16Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = dtype === 'bf16' ? classOfTop(dtype, (h[i] >>> 7) & 0xff) : (h[i] >>> 10) & 31;
  }
  return out;
}

/** Context of element i of plane k (the top plane, width - 1, or the one below it). */
function contextOf(top: boolean, planes: Uint8Array, topAt: number, i: number, dtype: string, classes: Uint8Array | undefined): number {
  if (classes) {
    const changed = top ? (i > 0 && planes[topAt + i - 1] !== 0 ? 1 : 0) : planes[topAt + i] !== 0 ? 1 : 0;
    return classes[i] * 2 + changed;
  }
  return top ? (i > 0 ? classOfTop(dtype, planes[topAt + i - 1]) : 0) : classOfTop(dtype, planes[topAt + i]);
}

/**
 * Codes plane k (width - 1 or width - 2) of `planes` (all planes, n elements each); `reference`:
 * the raw bytes the planes were XORed with, if any. `count`: code only the first `count` elements
 * (a trial on a prefix: each element's context depends only on the elements before it).
 */
export function encodeContextPlane(planes: Uint8Array, width: number, k: number, dtype: string, reference?: Uint8Array, count?: number): Uint8Array {
  const n = planes.length / width;
  const m = Math.min(n, count ?? n);
  const top = k === width - 1;
  const topAt = (width - 1) * n;
  const classes = reference ? referenceClasses(dtype, reference, n) : undefined;
  const contexts = new Uint8Array(m);
  for (let i = 0; i < m; i++) contexts[i] = contextOf(top, planes, topAt, i, dtype, classes);
  // Mostly zero in an XOR delta (exponents that did not change): one decision per zero byte,
  // on node 0 of the context's tree (unused by the tree itself), instead of eight.
  return encodeByteRun(new ByteModel(CLASSES * 2), planes, k * n, contexts, m, top && classes !== undefined);
}

/** Inverse of `encodeContextPlane`, into plane k of `planes` (the top plane must be there already for k = width - 2). */
export function decodeContextPlane(stored: Uint8Array, planes: Uint8Array, width: number, k: number, dtype: string, reference?: Uint8Array): void {
  if (k !== width - 1 && k !== width - 2) throw new ReefError('BAD_MODEL', `byte plane ${k} of ${width} cannot be context-coded`);
  const n = planes.length / width;
  const top = k === width - 1;
  const topAt = (width - 1) * n;
  const classes = reference ? referenceClasses(dtype, reference, n) : undefined;
  const model = new ByteModel(CLASSES * 2);
  const dec = new RangeDecoder(stored);
  const at = k * n;
  for (let i = 0; i < n; i++) {
    const ctx = contextOf(top, planes, topAt, i, dtype, classes);
    planes[at + i] = top && classes && dec.decodeBit(model, ctx << 8) === 1 ? 0 : dec.decodeByte(model, ctx);
  }
  dec.checkEnd(`byte plane ${k}`);
}
