import { BLOCK } from './lattices.js';
import { DecodedScan } from './decoded-scan.js';
import type { LatticeModel } from './model.js';

/**
 * Decode-once cache for asymmetric search. Decoding a Voronoi code (unpack, index → point, reduce
 * modulo r·Λ) costs far more than a distance, and the search used to decode the same code array
 * again for every query. Now each code array is decoded once, into a DecodedScan (its decoded
 * vectors resident in WASM memory), and every later query against the same array reuses it.
 *
 * encode() and decode() compute the lattice points anyway, so they hand them over (`remember`) as
 * 2·point in an Int16Array: every coordinate is an integer or half-integer of magnitude ≤ 2^bits ≤
 * 256 (codewords lie in 2^bits · V(Λ), and V(E8), V(D8) fit in the cube [−1, 1]^8), so 2·point is
 * an exact small integer. Codes this quantizer produced or decoded are thus searched without any
 * decoding pass; others (e.g. read from a file) are decoded on their first query.
 *
 * Entries are keyed by the code array itself (weakly, so they go with it) and hold a copy of its
 * bytes: a caller that rewrites the array in place gets a fresh decode, never stale points. The scan
 * also depends on the fitted model (the step per dimension), so a refit rebuilds it.
 */
export class DecodedCodes {
  private readonly entries = new WeakMap<Uint8Array, Entry>();

  /** The resident decoded vectors of `codes` (count codes) under `model`, built on first use. */
  scanFor(model: LatticeModel, codes: Uint8Array, count: number): DecodedScan {
    let entry = this.entries.get(codes);
    if (!entry || !sameBytes(entry.bytes, codes)) {
      entry = { bytes: codes.slice() };
      this.entries.set(codes, entry);
    }
    if (entry.scan?.model === model && entry.scan.count === count) return entry.scan;
    entry.scan = new DecodedScan(model, entry.twice ?? decodeAll(model, codes, count), count);
    entry.twice = undefined; // the scan holds the vectors now
    return entry.scan;
  }

  /** Records 2 · the lattice points of `codes` (paddedDim per code), computed by whoever coded them. */
  remember(codes: Uint8Array, twice: Int16Array): void {
    const entry = this.entries.get(codes);
    if (entry && sameBytes(entry.bytes, codes)) {
      if (!entry.scan) entry.twice = twice; // a scan already built (e.g. decode() after a search) stays
      return;
    }
    this.entries.set(codes, { bytes: codes.slice(), twice });
  }
}

interface Entry {
  readonly bytes: Uint8Array;
  /** 2·point per padded dimension, until a scan is built from it. */
  twice?: Int16Array;
  scan?: DecodedScan;
}

/** 2 · the lattice point of every block of every code. */
function decodeAll(model: LatticeModel, codes: Uint8Array, count: number): Int16Array {
  const twice = new Int16Array(count * model.paddedDim);
  const point = new Float64Array(BLOCK);
  for (let i = 0; i < count; i++) {
    for (let b = 0; b < model.blocks; b++) {
      model.decodeBlock(codes, i * model.codeSize, b, point);
      const o = i * model.paddedDim + b * BLOCK;
      for (let k = 0; k < BLOCK; k++) twice[o + k] = 2 * point[k];
    }
  }
  return twice;
}

/**
 * Node's Buffer where the host has one: its equals() is a native memcmp, about 10× faster than the
 * loop below, which made this check a quarter of a query's time on fmnist-2k. Looked up on globalThis
 * (not imported) so that the plugin still loads in browsers, where the loop runs.
 */
const nativeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** Byte equality: native where possible, else a 32-bit word at a time where both arrays allow it. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (nativeBuffer) return nativeBuffer.from(a.buffer, a.byteOffset, a.length).equals(nativeBuffer.from(b.buffer, b.byteOffset, b.length));
  const n = a.length;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = words * 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
