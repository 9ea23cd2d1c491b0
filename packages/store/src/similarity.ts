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

/** 32 pseudo-random bits for an element position, so every process draws the same projections. */
function mix(x: number): number {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 13;
  return h >>> 0;
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

/**
 * Sign-random-projection sketch: 64 random ±1 projections of a sample of the values; nearby tensors
 * (small angle between them) share most of the 64 sign bits. Two hashes per position give the
 * signs of all 64 projections.
 */
export function signature(t: Tensor): string {
  const { values, positions } = sampleValues(t);
  const dots = new Float64Array(BITS);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v === 0) continue;
    const lo = mix(positions[k] * 2);
    const hi = mix(positions[k] * 2 + 1);
    for (let b = 0; b < 32; b++) {
      dots[b] += (lo >>> b) & 1 ? v : -v;
      dots[b + 32] += (hi >>> b) & 1 ? v : -v;
    }
  }
  let out = '';
  for (let nibble = 0; nibble < BITS / 4; nibble++) {
    let x = 0;
    for (let b = 0; b < 4; b++) if (dots[nibble * 4 + b] >= 0) x |= 1 << b;
    out += x.toString(16);
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
