import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import type { DType, Tensor } from '@reef/core';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { toFloat64 } from '@reef/codecs';
import { SKETCH_BITS, SKETCH_SAMPLE, sketchDots } from './sketch.js';
import { atomicWrite, readJson, writeTemp } from './fsutil.js';

/** Elements sampled per sketch: enough for a stable direction, cheap for huge tensors. */
const SAMPLE = SKETCH_SAMPLE;
const BITS = SKETCH_BITS;
/**
 * LSH banding of the 64-bit sketch: 16 bands of 4 bits. Two sketches become candidates when any
 * band matches exactly: with a fraction p of equal bits that happens with 1 - (1 - p^4)^16, i.e.
 * 0.98 at 20 differing bits (the acceptance threshold), 0.64 for unrelated tensors (p = 0.5, then
 * dropped by the Hamming check), so recall matches the linear scan it replaces while a lookup
 * touches only the tensors that share a bucket.
 */
const BANDS = 16;
const ROWS = BITS / BANDS;
/** Layout of similarity.json; other versions (older sketches) are ignored and rebuilt by gc/fsck. */
const VERSION = 3;

interface Entry {
  readonly hash: string;
  readonly dtype: DType;
  readonly count: number;
  /** 64 sign bits as 16 hex digits. */
  readonly signature: string;
}

interface IndexFile {
  readonly version: number;
  readonly bands: number;
  readonly entries: Entry[];
  /** Band bucket key (dtype, element count, band, band bits) to its tensors, as positions in `entries` (not hashes: 16 per tensor). */
  readonly buckets: Record<string, number[]>;
}

/** Evenly strided sample of the values (same positions for tensors of the same size), NaN/Inf as 0. */
function sampleValues(t: Tensor): Float64Array {
  const n = elementCount(t.shape);
  const m = Math.min(n, SAMPLE);
  const stride = Math.max(1, Math.floor(n / Math.max(1, m)));
  const data = t.data;
  if (t.dtype === 'f32' && data.byteOffset % 4 === 0) {
    // The common case read through a float view: a quarter of the loop iterations of the byte copy
    // and no per-element DataView call in toFloat64, which matter while the loops still run
    // interpreted (a process's first commits). Same values: f32 to f64 is exact.
    const floats = new Float32Array(data.buffer, data.byteOffset, n);
    const values = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const x = floats[k * stride];
      values[k] = x - x === 0 ? x : 0; // NaN and ±Inf as 0
    }
    return values;
  }
  const w = DTYPE_BYTES[t.dtype];
  const bytes = new Uint8Array(m * w);
  // Byte by byte: a subarray per element was 2,048 short-lived objects per tensor (~0.6 MB of heap
  // per CNN commit, bench/store/RESULTS.md), a share of the scavenges.
  for (let k = 0, to = 0; k < m; k++) for (let from = k * stride * w, end = from + w; from < end; ) bytes[to++] = data[from++];
  const values = toFloat64({ dtype: t.dtype, shape: [m], data: bytes });
  for (let k = 0; k < m; k++) if (!Number.isFinite(values[k])) values[k] = 0;
  return values;
}

/**
 * Sign-random-projection sketch: 64 random ±1 projections of a sample of the values; nearby tensors
 * (small angle between them) share most of the 64 sign bits.
 */
export function signature(t: Tensor): string {
  const dots = sketchDots(sampleValues(t));
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

/** The bucket keys of a sketch: one per band, scoped to tensors of the same dtype and size. */
function bandKeys(dtype: DType, count: number, sig: string): string[] {
  const keys: string[] = [];
  const digits = ROWS / 4;
  for (let band = 0; band < BANDS; band++) keys.push(`${dtype}:${count}:${band}:${sig.slice(band * digits, (band + 1) * digits)}`);
  return keys;
}

/**
 * The similarity index: a sketch per stored tensor and LSH band buckets over the sketches, persisted
 * in the repository (similarity.json, replaced atomically), used to find a reference for a tensor
 * that has no namesake in the parent commit (a renamed layer, another model of the same family).
 * Candidates are only proposals; the encoder measures whether a delta pays. A missing, damaged or
 * older-format index is rebuilt by gc and fsck from the stored tensors.
 */
export class SimilarityIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, string[]>();
  /**
   * Sketches `nearest` computed, by tensor bytes, taken by `add` of the same tensor: the store looks
   * up a reference and then indexes that tensor, and each sketch was computed twice. Weak keys: the
   * bytes' lifetime is not extended; the store does not write into a tensor's bytes once staged.
   */
  private readonly sketched = new WeakMap<Uint8Array, { dtype: DType; count: number; signature: string }>();
  /** Whether the file held a usable index when opened (false: missing, damaged or an old layout). */
  readonly loaded: boolean;
  private changed: boolean;

  constructor(private readonly path: string) {
    let file: IndexFile | undefined;
    try {
      if (existsSync(path)) file = readJson<IndexFile>(path, 'similarity index');
    } catch {
      file = undefined; // only a hint for reference choice: never fatal
    }
    this.loaded = !!file && file.version === VERSION && file.bands === BANDS && Array.isArray(file.entries) && typeof file.buckets === 'object' && file.buckets !== null;
    this.changed = !this.loaded; // an unusable file is replaced on the next save
    if (!this.loaded || !file) return;
    for (const e of file.entries) this.entries.set(e.hash, e);
    for (const [key, positions] of Object.entries(file.buckets)) {
      if (!Array.isArray(positions)) continue;
      const hashes = positions.map((i) => file.entries[i]?.hash).filter((h): h is string => typeof h === 'string');
      this.buckets.set(key, hashes);
    }
  }

  /** Whether it holds changes not yet saved (or publish()ed). */
  get pending(): boolean {
    return this.changed;
  }

  get size(): number {
    return this.entries.size;
  }

  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  add(hash: string, t: Tensor): void {
    if (this.entries.has(hash) || elementCount(t.shape) === 0) return;
    const count = elementCount(t.shape);
    const seen = this.sketched.get(t.data);
    this.sketched.delete(t.data);
    const sig = seen && seen.dtype === t.dtype && seen.count === count ? seen.signature : signature(t);
    const entry: Entry = { hash, dtype: t.dtype, count, signature: sig };
    this.entries.set(hash, entry);
    this.changed = true;
    for (const key of bandKeys(entry.dtype, entry.count, entry.signature)) {
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(hash);
      else this.buckets.set(key, [hash]);
    }
  }

  /** Up to `k` stored tensors of the same dtype and size, nearest first, within `maxBits` of the sketch. */
  nearest(t: Tensor, k = 2, maxBits = 20, exists: (hash: string) => boolean = () => true): string[] {
    const count = elementCount(t.shape);
    if (count === 0) return [];
    const sig = signature(t);
    this.sketched.set(t.data, { dtype: t.dtype, count, signature: sig });
    const candidates = new Set<string>();
    for (const key of bandKeys(t.dtype, count, sig)) for (const hash of this.buckets.get(key) ?? []) candidates.add(hash);
    const scored: { hash: string; d: number }[] = [];
    for (const hash of candidates) {
      const e = this.entries.get(hash);
      if (!e || !exists(hash)) continue;
      const d = hamming(sig, e.signature);
      if (d <= maxBits) scored.push({ hash, d });
    }
    return scored.sort((a, b) => a.d - b.d || a.hash.localeCompare(b.hash)).slice(0, k).map((e) => e.hash);
  }

  /** Drops entries (and their bucket slots) for objects that no longer exist (after gc). */
  retain(exists: (hash: string) => boolean): void {
    for (const [hash, e] of this.entries) {
      if (exists(hash)) continue;
      this.entries.delete(hash);
      this.changed = true;
      for (const key of bandKeys(e.dtype, e.count, e.signature)) {
        const rest = (this.buckets.get(key) ?? []).filter((h) => h !== hash);
        if (rest.length > 0) this.buckets.set(key, rest);
        else this.buckets.delete(key);
      }
    }
  }

  /**
   * Replaces similarity.json atomically (temporary file and rename: readers see old or new, never
   * half), when anything changed. Not flushed: it is a hint that gc and fsck rebuild if a power loss
   * ever leaves it unreadable, and a flush costs more than the rest of a small commit's index work.
   */
  save(): void {
    if (!this.changed) return;
    atomicWrite(this.path, this.text(), false);
    this.changed = false;
  }

  /**
   * `save` in two steps: the new file is written under a temporary name now (while a pack flushes,
   * say) and renamed into place by `publish`; `discard` removes it. Undefined when nothing changed.
   */
  saveLater(): { publish(): void; discard(): void } | undefined {
    if (!this.changed) return undefined;
    const tmp = writeTemp(this.path, this.text());
    return {
      publish: () => {
        try {
          renameSync(tmp, this.path);
        } catch (err) {
          rmSync(tmp, { force: true });
          throw err;
        }
        this.changed = false;
      },
      discard: () => rmSync(tmp, { force: true }),
    };
  }

  private text(): string {
    const entries = [...this.entries.values()];
    const position = new Map(entries.map((e, i) => [e.hash, i]));
    const buckets = Object.fromEntries([...this.buckets].map(([key, hashes]) => [key, hashes.map((h) => position.get(h) as number)]));
    const file: IndexFile = { version: VERSION, bands: BANDS, entries, buckets };
    return JSON.stringify(file);
  }
}
