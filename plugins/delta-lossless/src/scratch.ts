/**
 * Reusable memory for the large transient arrays of plane packing (the split planes, strategy
 * samples, the packed output until the store has written it). A fresh multi-MB typed array pays a
 * page fault per 4 KiB page on first touch: measured on the 2-core VM of bench/store, 1.5–4 ms for
 * 1.6 MB, against 0.9 ms for the plane split that fills it. Every commit of a checkpoint series
 * splits tensors of the same sizes again, so the arrays are kept and lent out again.
 *
 * Only arrays handed out by `borrowScratch` are taken back, once each; one never given back is
 * simply garbage-collected. Whoever gives an array back must not touch it afterwards.
 */

/** Below this, malloc serves arrays from memory it already holds: not worth pooling. */
const MIN_BYTES = 64 * 1024;
/** Memory kept between uses, at most (the oldest buffers are dropped first). */
const KEEP_BYTES = 32 * 1024 * 1024;

const free: ArrayBuffer[] = [];
let kept = 0;
const lent = new WeakSet<ArrayBuffer>();

/** An array of `bytes` bytes (contents undefined) at offset 0 of its buffer, which may be larger. */
export function borrowScratch(bytes: number): Uint8Array {
  if (bytes < MIN_BYTES) return new Uint8Array(bytes);
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const size = free[i].byteLength;
    // Best fit, and at most twice the size asked: a small request never pins a huge buffer.
    if (size >= bytes && size <= 2 * bytes && (best < 0 || size < free[best].byteLength)) best = i;
  }
  const buffer = best >= 0 ? free.splice(best, 1)[0] : new ArrayBuffer(bytes);
  if (best >= 0) kept -= buffer.byteLength;
  lent.add(buffer);
  return new Uint8Array(buffer, 0, bytes);
}

/** Takes back an array from `borrowScratch` (anything else, or a second return, is ignored). */
export function returnScratch(array: Uint8Array): void {
  const buffer = array.buffer;
  if (!(buffer instanceof ArrayBuffer) || !lent.has(buffer)) return;
  lent.delete(buffer);
  if (buffer.byteLength > KEEP_BYTES) return;
  free.push(buffer);
  kept += buffer.byteLength;
  while (kept > KEEP_BYTES) kept -= (free.shift() as ArrayBuffer).byteLength;
}
