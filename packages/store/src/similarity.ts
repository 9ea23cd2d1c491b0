import { DTYPE_BYTES, elementCount, type DType, type Tensor } from '@reef/core';
import { existsSync } from 'node:fs';
import { toFloat64 } from './dtypes.js';
import { atomicWrite, readJson } from './fsutil.js';

/** Elements sampled per sketch: enough for a stable direction, cheap for huge tensors. */
const SAMPLE = 2048;
const BITS = 64;

interface Entry {
  readonly hash: string;
  readonly dtype: DType;
  readonly count: number;
  /** 64 sign bits as 16 hex digits. */
  readonly signature: string;
}

/** Deterministic ±1 for (element position, projection), so every process draws the same planes. */
function sign(position: number, bit: number): number {
  let h = Math.imul(position ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(bit + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 13;
  return h & 1 ? 1 : -1;
}

function sampleValues(t: Tensor): { values: Float64Array; positions: number[] } {
  const n = elementCount(t.shape);
  const m = Math.min(n, SAMPLE);
  const stride = Math.max(1, Math.floor(n / Math.max(1, m)));
  const w = DTYPE_BYTES[t.dtype];
  const positions: number[] = [];
  const bytes = new Uint8Array(m * w);
  for (let k = 0; k < m; k++) {
    const i = k * stride;
    positions.push(i);
    bytes.set(t.data.subarray(i * w, (i + 1) * w), k * w);
  }
  const values = toFloat64({ dtype: t.dtype, shape: [m], data: bytes });
  for (let k = 0; k < m; k++) if (!Number.isFinite(values[k])) values[k] = 0;
  return { values, positions };
}

/** Sign-random-projection sketch: nearby tensors (small angle) share most of the 64 bits. */
export function signature(t: Tensor): string {
  const { values, positions } = sampleValues(t);
  let out = '';
  for (let nibble = 0; nibble < BITS / 4; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) {
      const bit = nibble * 4 + b;
      let dot = 0;
      for (let k = 0; k < values.length; k++) dot += values[k] * sign(positions[k], bit);
      if (dot >= 0) v |= 1 << b;
    }
    out += v.toString(16);
  }
  return out;
}

function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = Number.parseInt(a[i], 16) ^ Number.parseInt(b[i], 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

/**
 * The similarity index: one sketch per stored tensor, persisted in the repository, used to find a
 * reference for a tensor that has no namesake in the parent commit (a renamed layer, another model
 * of the same family). Candidates are only proposals; the encoder measures whether a delta pays.
 */
export class SimilarityIndex {
  private entries: Entry[];

  constructor(private readonly path: string) {
    // Only a hint for reference choice: a damaged index is rebuilt from new tensors, never fatal.
    let entries: Entry[] = [];
    try {
      if (existsSync(path)) entries = readJson<{ entries: Entry[] }>(path, 'similarity index').entries ?? [];
    } catch {
      entries = [];
    }
    this.entries = Array.isArray(entries) ? entries : [];
  }

  add(hash: string, t: Tensor): void {
    if (this.entries.some((e) => e.hash === hash) || elementCount(t.shape) === 0) return;
    this.entries.push({ hash, dtype: t.dtype, count: elementCount(t.shape), signature: signature(t) });
  }

  /** Up to `k` stored tensors of the same dtype and size, nearest first, within `maxBits` of the sketch. */
  nearest(t: Tensor, k = 2, maxBits = 20, exists: (hash: string) => boolean = () => true): string[] {
    const count = elementCount(t.shape);
    const same = this.entries.filter((e) => e.dtype === t.dtype && e.count === count && exists(e.hash));
    if (same.length === 0) return [];
    const sig = signature(t);
    return same
      .map((e) => ({ hash: e.hash, d: hamming(sig, e.signature) }))
      .filter((e) => e.d <= maxBits)
      .sort((a, b) => a.d - b.d)
      .slice(0, k)
      .map((e) => e.hash);
  }

  /** Drops entries for objects that no longer exist (after gc). */
  retain(exists: (hash: string) => boolean): void {
    this.entries = this.entries.filter((e) => exists(e.hash));
  }

  save(): void {
    atomicWrite(this.path, JSON.stringify({ entries: this.entries }), false); // a hint: no fsync needed
  }
}
