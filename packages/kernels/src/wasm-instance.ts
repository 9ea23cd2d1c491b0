import { compileEmbeddedWasm } from './embedded-wasm.js';
import { KERNELS_WASM_BASE64 } from './wasm-binary.js';

/**
 * The compiled WASM SIMD kernels (wasm/kernels.ts) and fresh instances of them. Internal to this
 * package: wasm.ts shares one instance for stateless kernels, ProductCodeScanner owns one so that
 * its codebooks stay in linear memory between queries.
 */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  nearest(x: number, n: number, d: number, c: number, k: number, norms: number, labels: number, dists: number): void;
  matmulT(x: number, n: number, a: number, rt: number, b: number, out: number): void;
  adcScan8(codes: number, n: number, m: number, order: number, table: number, out: number): void;
  blockCodes32(codes: number, n: number, m: number, order: number, out: number): void;
  adcScan8TopK(blocked: number, n: number, m: number, table: number, k: number, vals: number, ids: number, r1: number): number;
  sumRowsByLabel(x: number, n: number, d: number, labels: number, m: number, j0: number, j1: number, k: number, sums: number): void;
  crossAdd(sums: number, k: number, dIn: number, book: number, dj: number, cross: number, dOut: number, off: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** A new instance (own linear memory) of the kernels, or null where WebAssembly SIMD is unavailable. */
export function instantiateKernels(): KernelExports | null {
  // Compiled once: fine in Node and workers; a browser main thread refuses this module (over 4 KB)
  // synchronously, and then the JS kernels are used.
  if (compiled === undefined) compiled = compileEmbeddedWasm(KERNELS_WASM_BASE64);
  if (!compiled) return null;
  return new WebAssembly.Instance(compiled, {}).exports as unknown as KernelExports;
}

/** Makes linear memory at least `bytes` long (growing invalidates earlier views of its buffer). */
export function ensureMemory(w: KernelExports, bytes: number): void {
  const have = w.memory.buffer.byteLength;
  if (bytes > have) w.memory.grow(Math.ceil((bytes - have) / 65536));
}
