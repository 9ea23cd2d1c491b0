import type { CodeDistances, Metric, NamedArray } from '@reef/core';

/**
 * What the scalar quantizer delegates to once trained: how one family of formats (uniform integer
 * grids, or 16-bit float casts) writes, reads and scans codes. Inputs are already validated.
 */
export interface Codec {
  readonly dim: number;
  /** Bytes per encoded vector. */
  readonly codeSize: number;
  /**
   * Encodes `count` row-major vectors of `data` into `out` (count × codeSize bytes, zeroed).
   * Returns true when it checked on the way that every value is finite (the WASM kernels do, at no
   * extra pass); false when it did not check or found one, and the caller must scan.
   */
  encode(data: Float32Array, count: number, out: Uint8Array): boolean;
  /** Decodes `count` codes into `out` (count × dim floats). */
  decode(codes: Uint8Array, count: number, out: Float32Array): void;
  /** Distances from `query` to codes, computed code by code without building decoded vectors. */
  prepare(query: Float32Array, metric: Metric): CodeDistances;
  /** The trained state, as saved; its byte total is the model size. */
  arrays(): Record<string, NamedArray>;
}

/** Allocates or checks the output of CodeDistances.distances. */
export function distanceOutput(count: number, out?: Float32Array): Float32Array {
  if (!out) return new Float32Array(count);
  if (out.length < count) throw new RangeError(`distance output holds ${out.length} values, ${count} codes given`);
  return out;
}
