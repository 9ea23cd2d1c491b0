import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeSafetensors, type NamedTensor } from '../src/index.js';

/** Seeded uniform numbers in [-1, 1) (xorshift), so every run builds the same models. */
export function noise(seed: number, n: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function f32(shape: number[], v: Float32Array): NamedTensor['tensor'] {
  return { dtype: 'f32', shape, data: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
}

/**
 * A "fine-tuned variant" of a base model: each weight is the base plus relative noise, as
 * fine-tuning a shared base leaves them. `w1` is big enough to cluster, `bias` is tiny.
 */
export function variant(baseSeed: number, k: number, rel = 1e-3, n = 48_000, biasLength = 8): Uint8Array {
  const base = noise(baseSeed, n).map((x) => x * 0.05);
  const jitter = noise(1000 * baseSeed + k + 1, n);
  const w1 = base.map((x, i) => x + 0.05 * rel * jitter[i]);
  const bias = noise(77 + k, biasLength);
  return writeSafetensors([
    { name: 'w1', tensor: f32([n / 120, 120], w1) },
    { name: 'bias', tensor: f32([biasLength], bias) },
  ]);
}

/** Writes `count` variants of one base as v0.safetensors ... and returns their bytes. */
export function writeVariants(dir: string, count: number, baseSeed = 1, prefix = 'v', n = 48_000, biasLength = 8): { files: string[]; bytes: Uint8Array[] } {
  const files: string[] = [];
  const bytes: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const file = `${prefix}${k}.safetensors`;
    const b = variant(baseSeed, k, 1e-3, n, biasLength);
    writeFileSync(join(dir, file), b);
    files.push(file);
    bytes.push(b);
  }
  return { files, bytes };
}

/** sha256 of every file under `dir`, by relative path: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Bytes of the files under `dir`; for a `.reef` folder, less its disposable `cache/` (stats count it apart). */
export function dirBytes(dir: string, top = true): number {
  let n = 0;
  for (const entry of readdirSync(dir)) {
    if (top && entry === 'cache' && dir.endsWith('.reef')) continue;
    const p = join(dir, entry);
    n += statSync(p).isDirectory() ? dirBytes(p, false) : statSync(p).size;
  }
  return n;
}
