import { ReefError } from '@reef/core/errors';
import { layoutFor, type BitLayout } from './bit-layout.js';
import { contextCodable, decodeContextPlane, encodeContextPlane } from './context-planes.js';
import { borrowScratch, returnScratch } from './scratch.js';
import { fromPlanes, toPlanes } from './split.js';

/** zlib's deflate strategies by their numbers in zlib.h, the same in every binding of zlib. */
export const DEFLATE_STRATEGY = { default: 0, huffmanOnly: 2, rle: 3 } as const;

/**
 * The zlib this package compresses with, given by the host: `@reef/codecs/node` binds node:zlib.
 * Keeping zlib out of this module keeps the package free of Node APIs; plane choices depend on the
 * exact bytes zlib emits, so a binding must be real zlib (same output for level and strategy).
 */
export interface Zlib {
  deflate(bytes: Uint8Array, level: number, strategy: number): Uint8Array;
  /** `deflate`'s bytes, possibly computed off this thread (Node: libuv's thread pool). */
  deflateAsync(bytes: Uint8Array, level: number, strategy: number): Promise<Uint8Array>;
  /** Throws on a corrupt stream. */
  inflate(bytes: Uint8Array): Uint8Array;
}

/** How each plane was stored: deflated, or raw when deflate did not make it smaller (noise planes). */
export interface PackedPlanes {
  readonly bytes: Uint8Array;
  /** Stored length of each plane, in order. */
  readonly lengths: number[];
  /** Whether each plane is deflated. */
  readonly deflated: boolean[];
  /** Bit permutation applied before splitting (absent: plain bytes). */
  readonly layout?: BitLayout;
  /**
   * Which planes are context-coded (context-planes.ts: the arithmetic coder), where that measured
   * smaller than deflate; absent when none is (every pack before it). `deflated` is false for them.
   */
  readonly context?: boolean[];
}

/** Byte-plane packing bound to one zlib. */
export interface PlaneCodec {
  /**
   * Splits into byte planes and compresses each plane on its own, keeping it raw when deflate does
   * not pay. Each plane is measured, never assumed compressible. With `xorWith`, packs the XOR of
   * the two (the xor-planes delta) without materialising it.
   */
  packPlanes(bytes: Uint8Array, width: number, level?: number, dtype?: string, xorWith?: Uint8Array): PackedPlanes;
  /**
   * `packPlanes` with the planes compressed through `Zlib.deflateAsync` (in parallel on Node): the
   * same bytes, less wall time. Its `bytes` may be scratch memory: a caller done with them may hand
   * them to `releasePacked`.
   */
  packPlanesAsync(bytes: Uint8Array, width: number, level?: number, dtype?: string, xorWith?: Uint8Array): Promise<PackedPlanes>;
  /**
   * Inverse of `packPlanes`; `totalBytes` is the unpacked size, checked so corruption is caught.
   * With `xorWith`, returns the planes' content XOR that reference (decoding xor-planes in one pass).
   */
  unpackPlanes(packed: PackedPlanes, width: number, totalBytes: number, dtype?: string, xorWith?: Uint8Array): Uint8Array;
  /** Compresses one plane as `packPlanes` does: raw, or deflated with the measured best strategy. */
  compressPlane(plane: Uint8Array, level: number): Uint8Array;
  compressPlaneAsync(plane: Uint8Array, level: number): Promise<Uint8Array>;
}

/** Above this a plane's compression strategy is chosen on a sample, then the plane compressed once. */
const STRATEGY_SAMPLE_THRESHOLD = 256 * 1024;
const STRATEGY_SAMPLE_CHUNKS = 8;
/**
 * 8 x 4 KiB (was 8 x 16 KiB): the trials on the sample were ~4 ms of a CNN commit (two 400 KB
 * planes, two strategies each) and a quarter of the sample chose the same strategies on the CNN
 * series (bench/store/RESULTS.md: same encodings, 59 B smaller in all).
 */
const STRATEGY_SAMPLE_CHUNK_BYTES = 4 * 1024;

/**
 * Planes up to this size are stored raw without trying deflate: a zlib stream's framing and block
 * header leave almost nothing to gain, and each try costs a zlib stream (~12 µs). Measured on the
 * CNN checkpoint series (bench/store): its 252 planes of at most 64 B (biases, batch-norm
 * statistics) deflated by 505 B in all, 0.005% of the series, for 2–3 zlib calls each per trial.
 */
const TINY_PLANE_BYTES = 64;

const LIGHT_STRATEGIES = [DEFLATE_STRATEGY.huffmanOnly, DEFLATE_STRATEGY.rle];

/** How a plane is stored: raw, or deflated with one zlib strategy (and the bytes of the trial). */
type PlaneCoding = { readonly raw: true } | { readonly raw: false; readonly strategy: number; readonly bytes: Uint8Array };

/**
 * Byte-plane packing over `zlib`. Compression of one plane: Huffman-only and run-length + Huffman
 * (zlib's Z_HUFFMAN_ONLY, Z_RLE) first: several times faster than full deflate and as small or
 * smaller on weight planes, whose redundancy is skewed byte frequencies and runs of zeros rather
 * than repeated strings. Where that leaves under a tenth, full deflate (fast on such redundant data)
 * is also tried for repeated strings (integer or padded tensors). The smallest is kept. Planes above
 * 256 KiB are measured on a fixed sample of chunks and compressed once with the winner: still a
 * measured choice, at a fraction of the cost of every strategy on every byte.
 */
export function createPlaneCodec(zlib: Zlib): PlaneCodec {
  function compressPlane(plane: Uint8Array, level: number): Uint8Array {
    if (plane.length <= TINY_PLANE_BYTES || looksIncompressible(plane)) return plane;
    const trial = plane.length > STRATEGY_SAMPLE_THRESHOLD ? planeSample(plane) : plane;
    const huffman = zlib.deflate(trial, level, DEFLATE_STRATEGY.huffmanOnly);
    const light = [huffman, hasRun(trial) ? zlib.deflate(trial, level, DEFLATE_STRATEGY.rle) : huffman];
    const coding = pickCoding(trial, light, trial !== plane || worthFullDeflate(trial, light) ? zlib.deflate(trial, level, DEFLATE_STRATEGY.default) : undefined);
    if (trial !== plane) returnScratch(trial);
    if (coding.raw || (trial !== plane && !paysOnSample(coding, trial.length))) return plane;
    if (trial === plane) return coding.bytes;
    return smaller(zlib.deflate(plane, level, coding.strategy), plane);
  }

  async function compressPlaneAsync(plane: Uint8Array, level: number): Promise<Uint8Array> {
    if (plane.length <= TINY_PLANE_BYTES || looksIncompressible(plane)) return plane;
    const sampled = plane.length > STRATEGY_SAMPLE_THRESHOLD;
    const trial = sampled ? planeSample(plane) : plane;
    let coding: PlaneCoding;
    const sampleBytes = trial.length;
    try {
      const huffman = zlib.deflateAsync(trial, level, DEFLATE_STRATEGY.huffmanOnly);
      const light = await Promise.all([huffman, hasRun(trial) ? zlib.deflateAsync(trial, level, DEFLATE_STRATEGY.rle) : huffman]);
      coding = pickCoding(trial, light, sampled || worthFullDeflate(trial, light) ? await zlib.deflateAsync(trial, level, DEFLATE_STRATEGY.default) : undefined);
    } finally {
      if (sampled) returnScratch(trial);
    }
    if (coding.raw || (sampled && !paysOnSample(coding, sampleBytes))) return plane;
    if (!sampled) return coding.bytes;
    return smaller(await zlib.deflateAsync(plane, level, coding.strategy), plane);
  }

  function packPlanes(bytes: Uint8Array, width: number, level = 6, dtype?: string, xorWith?: Uint8Array): PackedPlanes {
    const layout = layoutFor(dtype);
    const planes = toPlanes(bytes, width, layout, xorWith, borrowScratch(bytes.length));
    const n = planes.length / width;
    const stored: Uint8Array[] = [];
    for (let k = 0; k < width; k++) stored.push(compressPlane(planes.subarray(k * n, (k + 1) * n), level));
    const packed = concatPlanes(planes, stored, layout, contextCode(planes, stored, width, layout, dtype, xorWith, zlib));
    returnScratch(planes);
    return packed;
  }

  async function packPlanesAsync(bytes: Uint8Array, width: number, level = 6, dtype?: string, xorWith?: Uint8Array): Promise<PackedPlanes> {
    const layout = layoutFor(dtype);
    const planes = toPlanes(bytes, width, layout, xorWith, borrowScratch(bytes.length));
    const n = planes.length / width;
    try {
      const deflating = Promise.all(Array.from({ length: width }, (_, k) => compressPlaneAsync(planes.subarray(k * n, (k + 1) * n), level)));
      deflating.catch(() => undefined); // awaited below
      // The context coder runs on this thread while the deflates run on the pool.
      const coded = contextTrials(planes, width, layout, dtype, xorWith, zlib);
      const stored = await deflating;
      return concatPlanes(planes, stored, layout, pickContext(stored, coded));
    } finally {
      returnScratch(planes); // every deflate has finished reading it (or failed)
    }
  }

  function unpackPlanes(packed: PackedPlanes, width: number, totalBytes: number, dtype?: string, xorWith?: Uint8Array): Uint8Array {
    if (packed.lengths.length !== width || packed.deflated.length !== width) {
      throw new ReefError('BAD_MODEL', `delta payload lists ${packed.lengths.length} byte planes, expected ${width}`);
    }
    const layout = packed.layout ?? 'bytes';
    if (layout !== 'bytes' && (layout !== 'exponent-aligned' || !dtype)) throw new ReefError('BAD_MODEL', `unknown byte-plane layout ${JSON.stringify(packed.layout)}`);
    const n = totalBytes / width;
    const planes = new Uint8Array(totalBytes);
    const context = packed.context ?? [];
    if (context.length > 0 && (context.length !== width || !contextCodable(dtype, width, layout))) {
      throw new ReefError('BAD_MODEL', `delta payload marks context-coded planes, which ${dtype ?? 'untyped'} data in layout ${layout} does not have`);
    }
    const starts = packed.lengths.map((_, k) => packed.lengths.slice(0, k).reduce((a, b) => a + b, 0));
    let at = 0;
    for (let k = 0; k < width; k++) {
      const stored = packed.bytes.subarray(at, at + packed.lengths[k]);
      at += packed.lengths[k];
      if (context[k]) continue; // below, once the planes they depend on are in
      let plane: Uint8Array;
      try {
        plane = packed.deflated[k] ? zlib.inflate(stored) : stored;
      } catch (err) {
        throw new ReefError('BAD_MODEL', `delta payload byte plane ${k} does not inflate: ${(err as Error).message}`, { cause: err });
      }
      if (plane.length !== n) throw new ReefError('BAD_MODEL', `delta payload byte plane ${k} has ${plane.length} bytes, expected ${n}`);
      planes.set(plane, k * n);
    }
    // The top plane first: the one below it takes its context from it.
    for (let k = width - 1; k >= 0; k--) {
      if (!context[k]) continue;
      try {
        decodeContextPlane(packed.bytes.subarray(starts[k], starts[k] + packed.lengths[k]), planes, width, k, dtype as string, xorWith);
      } catch (err) {
        throw new ReefError('BAD_MODEL', `delta payload byte plane ${k} does not decode: ${(err as Error).message}`, { cause: err });
      }
    }
    // The aligned layout is a permutation of f32 and bf16 bits only; other dtypes were stored as bytes.
    return fromPlanes(planes, width, layout === 'exponent-aligned' && layoutFor(dtype) === layout ? layout : 'bytes', xorWith);
  }

  return { packPlanes, packPlanesAsync, unpackPlanes, compressPlane, compressPlaneAsync };
}

/**
 * Gives the memory of packed planes back for reuse, once their bytes are no longer needed (written
 * out): no-op for arrays that are not scratch memory. Nothing may read `bytes` afterwards.
 */
export function releasePacked(bytes: Uint8Array): void {
  returnScratch(bytes);
}

/**
 * Evenly spaced chunks of a plane: the strategy measured on them is the one used for all of it.
 * In scratch memory (`returnScratch` it when done).
 */
function planeSample(plane: Uint8Array): Uint8Array {
  const out = borrowScratch(STRATEGY_SAMPLE_CHUNKS * STRATEGY_SAMPLE_CHUNK_BYTES);
  const stride = Math.floor((plane.length - STRATEGY_SAMPLE_CHUNK_BYTES) / (STRATEGY_SAMPLE_CHUNKS - 1));
  for (let k = 0; k < STRATEGY_SAMPLE_CHUNKS; k++) out.set(plane.subarray(k * stride, k * stride + STRATEGY_SAMPLE_CHUNK_BYTES), k * STRATEGY_SAMPLE_CHUNK_BYTES);
  return out;
}

/**
 * Whether the bytes hold a run zlib's Z_RLE can code: the byte before a position and the three from
 * it equal. Without one, Z_RLE emits the same literals, in the same blocks, as Z_HUFFMAN_ONLY (zlib's
 * deflate_rle and deflate_huff differ only there), so its trial is skipped: same bytes, same choice.
 * Noisy planes rarely hold such runs; their RLE trial was half the trials of a small tensor.
 */
export function hasRun(bytes: Uint8Array): boolean {
  for (let i = 3; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === bytes[i - 1] && b === bytes[i - 2] && b === bytes[i - 3]) return true;
  }
  return false;
}

/**
 * On a plane measured in full, full deflate is tried only where the light strategies leave under a
 * tenth (repeated strings likely). On a sampled plane it is always tried: the trial is 32 KiB, and
 * the strategy then codes megabytes. A 1 GB file of generated weights (bench/store/big-add.mjs)
 * has exponent planes Huffman codes to 0.28 and full deflate to 0.005, at 3x its speed.
 */
function worthFullDeflate(trial: Uint8Array, light: Uint8Array[]): boolean {
  return trial.length > 0 && Math.min(...light.map((b) => b.length)) * 10 <= trial.length;
}

/** The smallest of the light strategies and full deflate (when tried); raw when none is smaller. */
function pickCoding(trial: Uint8Array, light: Uint8Array[], full: Uint8Array | undefined): PlaneCoding {
  let best: PlaneCoding = { raw: true };
  let bestBytes = trial.length;
  light.forEach((bytes, k) => {
    if (bytes.length < bestBytes) [best, bestBytes] = [{ raw: false, strategy: LIGHT_STRATEGIES[k], bytes }, bytes.length];
  });
  if (full && full.length < bestBytes) best = { raw: false, strategy: DEFLATE_STRATEGY.default, bytes: full };
  return best;
}

/**
 * A sampled plane is deflated only when its sample came out at most this fraction of raw: a gain
 * under 1% is not worth a pass over megabytes (~8 ms per MB with Huffman-only here). The sign and
 * top mantissa plane of noise-like f32 weights gains ~0.5%; on the 1 GB file of bench/store/big-add.mjs
 * (--data noise) such planes were a third of the thread pool's deflate time.
 */
const SAMPLED_MIN_RATIO = 0.99;

function paysOnSample(coding: PlaneCoding, sampleBytes: number): boolean {
  return !coding.raw && coding.bytes.length <= SAMPLED_MIN_RATIO * sampleBytes;
}

function smaller(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.length < b.length ? a : b;
}

/** Above this order-0 entropy (bits per byte) deflate cannot gain more than ~0.4%: skip it. */
const NOISE_BITS_PER_BYTE = 7.97;
const ENTROPY_SAMPLE = 1 << 16;

/**
 * Order-0 entropy of a plane, from a sample: low mantissa planes of float data are noise, and
 * deflating them costs most of the encode time for nothing. Measured on the data, never assumed.
 */
export function looksIncompressible(plane: Uint8Array): boolean {
  if (plane.length < 4096) return false;
  const counts = new Uint32Array(256);
  const n = Math.min(plane.length, ENTROPY_SAMPLE);
  const stride = plane.length / n;
  for (let i = 0; i < n; i++) counts[plane[Math.floor(i * stride)]]++;
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= (c / n) * Math.log2(c / n);
  // A sample of n bytes under-estimates entropy by about 255 / (2 n ln 2) bits: correct for it.
  return bits + 255 / (2 * n * Math.LN2) > NOISE_BITS_PER_BYTE;
}

/**
 * Below this many elements a plane is not context-coded: what it could save is a few hundred bytes,
 * and the trials of small tensors (and of the samples large ones are judged on, src/encode.ts in
 * the store) would run it for every option.
 */
const CONTEXT_MIN_ELEMENTS = 16 * 1024;
/** Planes above this many elements are context-coded in full only after a trial on this prefix. */
const CONTEXT_TRIAL_ELEMENTS = 16 * 1024;
/**
 * The prefix trial must come out at most this fraction of the prefix Huffman-coded (deflate's light
 * strategy) or raw: the top plane (exponent) at 0.95, the one below it (sign and top mantissa bits)
 * at 0.85. The coder costs ~35-130 ns per byte of a plane on this machine against deflate's few, so
 * it runs where it pays clearly. On the public series (bench/store/planes.mjs) XOR deltas' top
 * planes come out at 0.58 (f32) and 0.79 (f16) of deflate and are coded; whole tensors' planes
 * (0.98-0.99) are not, so the first add of a large model is not slowed down; the f32 deltas'
 * second planes (0.92) would save another ~2% of the series but tripled the CPU time of a CNN
 * commit (bench/store/ab.mjs: 42 -> 125 ms), so they are left to deflate.
 */
const CONTEXT_TRIAL_RATIO = { top: 0.95, second: 0.85 };
/**
 * Whole tensors (no reference) above this many elements are left to deflate. Real weights' planes
 * fail the prefix trial anyway (above), but other data passes it: on the periodic 1 GB file of
 * bench/store/big-add.mjs (--data periodic) the coder took 16 of 22 s per 256 MB (~90 ns per
 * element and plane in JS, ~45 in WASM, against a few for deflate on the thread pool), adding at
 * 12-17 MB/s. XOR deltas, where the coder's context is the reference, keep it at any size.
 */
const CONTEXT_WHOLE_MAX_ELEMENTS = 1 << 20;

/** The top two planes context-coded, where the data has a model and a prefix trial says it pays (undefined: not tried). */
function contextTrials(planes: Uint8Array, width: number, layout: BitLayout, dtype: string | undefined, xorWith: Uint8Array | undefined, zlib: Zlib): (Uint8Array | undefined)[] {
  const n = planes.length / width;
  if (!dtype || n < CONTEXT_MIN_ELEMENTS || !contextCodable(dtype, width, layout)) return [];
  if (!xorWith && n > CONTEXT_WHOLE_MAX_ELEMENTS) return [];
  return Array.from({ length: width }, (_, k) => {
    if (k < width - 2) return undefined;
    if (n > CONTEXT_TRIAL_ELEMENTS) {
      const prefix = planes.subarray(k * n, k * n + CONTEXT_TRIAL_ELEMENTS);
      const huffman = Math.min(prefix.length, zlib.deflate(prefix, 6, DEFLATE_STRATEGY.huffmanOnly).length);
      const ratio = k === width - 1 ? CONTEXT_TRIAL_RATIO.top : CONTEXT_TRIAL_RATIO.second;
      if (encodeContextPlane(planes, width, k, dtype, xorWith, CONTEXT_TRIAL_ELEMENTS).length > ratio * huffman) return undefined;
    }
    return encodeContextPlane(planes, width, k, dtype, xorWith);
  });
}

/** Planes where the context coding measured smaller replace the deflated or raw ones; which, as flags (undefined: none). */
function pickContext(stored: Uint8Array[], coded: (Uint8Array | undefined)[]): boolean[] | undefined {
  let any = false;
  const flags = stored.map((p, k) => {
    const c = coded[k];
    if (!c || c.length >= p.length) return false;
    stored[k] = c;
    any = true;
    return true;
  });
  return any ? flags : undefined;
}

function contextCode(planes: Uint8Array, stored: Uint8Array[], width: number, layout: BitLayout, dtype: string | undefined, xorWith: Uint8Array | undefined, zlib: Zlib): boolean[] | undefined {
  return pickContext(stored, contextTrials(planes, width, layout, dtype, xorWith, zlib));
}

function concatPlanes(planes: Uint8Array, stored: Uint8Array[], layout: BitLayout, context?: boolean[]): PackedPlanes {
  // A raw plane is a view of `planes`; a context-coded one is not deflated either.
  const deflated = stored.map((p, k) => p.buffer !== planes.buffer && !context?.[k]);
  const lengths = stored.map((p) => p.length);
  const out = borrowScratch(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const p of stored) {
    out.set(p, at);
    at += p.length;
  }
  return context ? { bytes: out, lengths, deflated, layout, context } : { bytes: out, lengths, deflated, layout };
}
