/**
 * Seeded mutators: each turns a valid file into a plausible damaged one the way disks, networks
 * and attackers do. The same seed always gives the same bytes, so a failing case can be rebuilt
 * from its number alone.
 */

export type MutationKind = 'bit-flip' | 'truncate' | 'insert' | 'header-edit' | 'size-lie';

export const MUTATION_KINDS: readonly MutationKind[] = ['bit-flip', 'truncate', 'insert', 'header-edit', 'size-lie'];

/** mulberry32: a tiny seeded generator, enough for picking offsets and values reproducibly. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** Byte ranges [start, end) where a format keeps its header: shapes, sizes, offsets, names. */
export type Regions = readonly (readonly [number, number])[];

/** Sizes that have broken readers before: zero, sign and width boundaries, and huge claims. */
const LIES: readonly bigint[] = [
  0n, 1n, 0x7fn, 0xffn, 0x7fffn, 0xffffn, 1n << 24n, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  1n << 32n, 1n << 40n, 1n << 53n, 1n << 60n, (1n << 63n) - 1n, (1n << 64n) - 1n,
];

/** Decimal lies for text headers (npy dicts, safetensors JSON). */
const TEXT_LIES: readonly string[] = ['0', '-1', '4294967296', '1099511627776', '9007199254740993', '99999999999999999999', '1e308', 'NaN'];

function offsetIn(rng: SeededRandom, regions: Regions, size: number): number {
  const usable = regions.map(([s, e]) => [Math.min(s, size), Math.min(e, size)] as const).filter(([s, e]) => e > s);
  if (usable.length === 0) return rng.int(Math.max(1, size));
  const [s, e] = rng.pick(usable);
  return s + rng.int(e - s);
}

function flipBits(bytes: Uint8Array, rng: SeededRandom): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + rng.int(8);
  for (let i = 0; i < flips && out.length > 0; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
}

function truncate(bytes: Uint8Array, rng: SeededRandom): Uint8Array {
  // Half the cuts near the end (a download cut short), half anywhere (a header cut in two).
  const at = rng.next() < 0.5 ? Math.max(0, bytes.length - 1 - rng.int(Math.min(64, bytes.length))) : rng.int(bytes.length);
  return bytes.slice(0, at);
}

function insert(bytes: Uint8Array, rng: SeededRandom, regions: Regions): Uint8Array {
  const at = rng.next() < 0.5 ? offsetIn(rng, regions, bytes.length) : rng.int(bytes.length + 1);
  const extra = new Uint8Array(1 + rng.int(64));
  for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256);
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(extra, at);
  out.set(bytes.subarray(at), at + extra.length);
  return out;
}

function headerEdit(bytes: Uint8Array, rng: SeededRandom, regions: Regions): Uint8Array {
  const out = bytes.slice();
  const edits = 1 + rng.int(4);
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = offsetIn(rng, regions, out.length);
    // Control characters, quotes and high bytes are what break text headers and error messages.
    out[at] = rng.pick([0x00, 0x0a, 0x1b, 0x22, 0x27, 0x28, 0x29, 0x2c, 0x7f, 0xff, rng.int(256)]);
  }
  return out;
}

function writeInteger(out: Uint8Array, at: number, value: bigint, width: 2 | 4 | 8, little: boolean): void {
  for (let i = 0; i < width && at + i < out.length; i++) {
    const shift = BigInt(8 * (little ? i : width - 1 - i));
    out[at + i] = Number((value >> shift) & 0xffn);
  }
}

/** Replaces one decimal number of a text header with a lie, or writes a binary integer lie. */
function sizeLie(bytes: Uint8Array, rng: SeededRandom, regions: Regions): Uint8Array {
  const [start, end] = regions.length > 0 ? rng.pick(regions) : [0, Math.min(bytes.length, 256)];
  const text = new TextDecoder('latin1').decode(bytes.subarray(start, Math.min(end, bytes.length)));
  const numbers = [...text.matchAll(/\d+/g)];
  if (numbers.length > 0 && rng.next() < 0.5) {
    const m = rng.pick(numbers);
    const lie = new TextEncoder().encode(rng.pick(TEXT_LIES));
    const at = start + (m.index ?? 0);
    const out = new Uint8Array(bytes.length - m[0].length + lie.length);
    out.set(bytes.subarray(0, at), 0);
    out.set(lie, at);
    out.set(bytes.subarray(at + m[0].length), at + lie.length);
    return out;
  }
  const out = bytes.slice();
  const width = rng.pick([2, 4, 8] as const);
  const at = offsetIn(rng, regions, out.length);
  writeInteger(out, at - (at % width), rng.pick(LIES), width, rng.next() < 0.7);
  return out;
}

/** One mutation of `bytes`; `regions` say where the format's header fields are. */
export function mutate(bytes: Uint8Array, kind: MutationKind, rng: SeededRandom, regions: Regions): Uint8Array {
  switch (kind) {
    case 'bit-flip':
      return flipBits(bytes, rng);
    case 'truncate':
      return truncate(bytes, rng);
    case 'insert':
      return insert(bytes, rng, regions);
    case 'header-edit':
      return headerEdit(bytes, rng, regions);
    case 'size-lie':
      return sizeLie(bytes, rng, regions);
  }
}
