// The subpath alone: @reef/kernels' main entry loads every kernel (and ml-matrix), which commands that
// never sketch (reef status, log) should not pay for at start-up.
import { instantiateEmbeddedWasm } from '@reef/kernels/embedded-wasm';
import { SKETCH_WASM_BASE64 } from './sketch-wasm.js';

/**
 * The 64 projection sums of the similarity sketch (similarity.ts's `signature`): for projection b,
 * Σ over the values in order of (bit b of the position's mask ? v : -v), zeros skipped. Computed by
 * a 649-byte WASM kernel (wasm/sketch.ts) compiled when first used: a JS loop ran interpreted for
 * the first commits of every process (measured on the CNN series: 15 ms for the first checkpoint's
 * 13 sketches, 38 ms over 7 checkpoints, against 1.1 ms per checkpoint once optimised). The kernel
 * adds the same terms in the same order, so its sums equal the JS loop's bit for bit (tested);
 * the JS loop remains where WebAssembly SIMD is unavailable.
 */
export const SKETCH_SAMPLE = 2048;
export const SKETCH_BITS = 64;

interface SketchExports {
  readonly memory: WebAssembly.Memory;
  init(): void;
  sketch(m: number): void;
}

/** Byte offsets of the kernel's fixed layout (wasm/sketch.ts). */
const VALUES = 0;
const DOTS = 32768 + 64;

let kernel: SketchExports | null | undefined;

function instance(): SketchExports | null {
  if (kernel === undefined) {
    kernel = instantiateEmbeddedWasm<SketchExports>(SKETCH_WASM_BASE64); // null without WebAssembly SIMD: the JS loop
    kernel?.init();
  }
  return kernel;
}

/** 32 pseudo-random bits for a sample position, so every process draws the same projections. */
function mix(x: number): number {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 13;
  return h >>> 0;
}

/** The JS loop (the reference the kernel is tested against, and the fallback). */
export function sketchDotsJs(values: Float64Array): Float64Array {
  const dots = new Float64Array(SKETCH_BITS);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v === 0) continue;
    const lo = mix(k * 2);
    const hi = mix(k * 2 + 1);
    for (let b = 0; b < 32; b++) dots[b] += (lo >>> b) & 1 ? v : -v;
    for (let b = 0; b < 32; b++) dots[32 + b] += (hi >>> b) & 1 ? v : -v;
  }
  return dots;
}

/** The 64 sums for up to SKETCH_SAMPLE values (finite, as similarity.ts samples them). */
export function sketchDots(values: Float64Array): Float64Array {
  if (values.length > SKETCH_SAMPLE) throw new RangeError(`sketch of ${values.length} values: at most ${SKETCH_SAMPLE}`);
  const k = instance();
  if (!k) return sketchDotsJs(values);
  new Float64Array(k.memory.buffer, VALUES, values.length).set(values);
  k.sketch(values.length);
  return new Float64Array(k.memory.buffer.slice(DOTS, DOTS + SKETCH_BITS * 8));
}
