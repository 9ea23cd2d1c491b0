/**
 * Reusable memory for large transient arrays: plane packing's (the split planes, strategy samples,
 * the packed output until the store has written it), float-diff's differences, and the store's
 * (tensors read from a file, trial samples; see @reef/store). A fresh multi-MB typed array pays a
 * page fault per 4 KiB page on first touch: measured on the 2-core VM of bench/store, 1.5–4 ms for
 * 1.6 MB, against 0.9 ms for the plane split that fills it. Every commit of a checkpoint series
 * splits tensors of the same sizes again, so the arrays are kept and lent out again.
 *
 * Ownership: a borrowed array belongs to the borrower, who may pass it on (the store keeps tensors
 * it read as the next commit's references). Only its last owner may give it back, and only when no
 * view of its buffer is still in use: whoever gives an array back must not touch it afterwards.
 * Only arrays handed out by `borrowScratch` (whole, at offset 0) are taken back, once each; one
 * never given back is simply garbage-collected.
 */

/** Below this, malloc serves arrays from memory it already holds: not worth pooling. */
const MIN_BYTES = 64 * 1024;
/** Memory kept between uses, at most (the oldest buffers are dropped first). */
const KEEP_BYTES = 32 * 1024 * 1024;

const free: ArrayBuffer[] = [];
let kept = 0;
const lent = new WeakSet<ArrayBuffer>();

/**
 * An array of `bytes` bytes (contents undefined) at offset 0 of its buffer, which may be larger;
 * `exact`: a buffer of exactly that size, for arrays handed to code that may view `array.buffer`
 * whole (tensors the store hands out), like a `new Uint8Array(bytes)`.
 */
export function borrowScratch(bytes: number, exact = false): Uint8Array {
  if (bytes < MIN_BYTES) return new Uint8Array(bytes);
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const size = free[i].byteLength;
    // Best fit, and at most twice the size asked: a small request never pins a huge buffer.
    if (size >= bytes && size <= (exact ? bytes : 2 * bytes) && (best < 0 || size < free[best].byteLength)) best = i;
  }
  const buffer = best >= 0 ? free.splice(best, 1)[0] : new ArrayBuffer(bytes);
  if (best >= 0) kept -= buffer.byteLength;
  lent.add(buffer);
  return new Uint8Array(buffer, 0, bytes);
}

/** Takes back an array from `borrowScratch` (anything else, or a second return, is ignored). */
export function returnScratch(array: Uint8Array): void {
  const buffer = array.buffer;
  if (!(buffer instanceof ArrayBuffer) || !lent.has(buffer) || array.byteOffset !== 0) return;
  lent.delete(buffer);
  if (buffer.byteLength > KEEP_BYTES) return;
  free.push(buffer);
  kept += buffer.byteLength;
  while (kept > KEEP_BYTES) kept -= (free.shift() as ArrayBuffer).byteLength;
}
