import {
  PLUGIN_API_VERSION,
  ReefError,
  assertCodes,
  assertFinite,
  assertQuery,
  assertVectors,
  type AsymmetricSearch,
  type CodeDistances,
  type FitOptions,
  type Metric,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import type { Codec } from './codec.js';
import { FloatCodec } from './float-codec.js';
import { integerBits, type SqConfig } from './params.js';
import { estimateRange } from './ranges.js';
import { UniformCodec } from './uniform-codec.js';
import { encodeKernels, wasmAllFinite, wasmColumnMinMax, type EncodeKernelExports } from './wasm.js';

export const SQ_ID = 'sq';

/**
 * Scalar quantization: every dimension coded on its own, either on a uniform grid of 2^bits levels
 * over a trained range, or as an fp16/bf16 cast. Validation lives here; the codecs do the work.
 */
export class ScalarQuantizer implements Quantizer {
  readonly pluginId = SQ_ID;
  private codec: Codec | undefined;

  constructor(
    readonly params: Params,
    private readonly config: SqConfig,
    codec?: Codec,
  ) {
    this.codec = codec;
  }

  get isTrained(): boolean {
    return this.codec !== undefined;
  }

  get dim(): number {
    return this.trained().dim;
  }

  get codeSize(): number {
    return this.trained().codeSize;
  }

  async fit(train: Vectors, options: FitOptions = {}): Promise<void> {
    // core's assertTrainingSet, but with the NaN/Inf scan left to trainCodec, which gets it from
    // the range pass where it can (a separate scan of 47M values cost more than the pass itself).
    assertVectors(train, 'training vectors');
    if (train.count === 0) throw new ReefError('EMPTY_DATA', 'training set is empty: fit needs at least one vector');
    this.codec = trainCodec(this.config, train, options.onProgress);
    options.onProgress?.(1);
  }

  /**
   * Codes of `v`, codeSize bytes per vector. Given `out` (exactly count × codeSize bytes), writes
   * there and returns it: a caller encoding batch after batch then reuses one buffer, and skips
   * the first-touch cost of fresh memory, which on some machines exceeds the encoding itself.
   */
  encode(v: Vectors, out?: Uint8Array): Uint8Array {
    const codec = this.trained();
    // core's assertEncodable, with the NaN/Inf check folded into the WASM encoders; where they
    // did not run (or found one), the scan below names the first bad value.
    assertVectors(v, 'vectors to encode');
    if (v.dim !== codec.dim) {
      throw new ReefError('DIMENSION_MISMATCH', `vectors to encode have dimension ${v.dim} but the quantizer was trained on dimension ${codec.dim}`);
    }
    const bytes = v.count * codec.codeSize;
    if (out && out.length !== bytes) {
      throw new ReefError('INVALID_PARAM', `sq: encode output holds ${out.length} bytes, expected ${v.count} vectors × ${codec.codeSize} = ${bytes}`);
    }
    const codes = out ?? new Uint8Array(bytes);
    if (!codec.encode(v.data, v.count, codes)) assertFinite(v, 'vectors to encode');
    return codes;
  }

  decode(codes: Uint8Array): Float32Array {
    const codec = this.trained();
    const count = assertCodes(codes, codec.codeSize);
    const out = new Float32Array(count * codec.dim);
    codec.decode(codes, count, out);
    return out;
  }

  modelBytes(): number {
    let bytes = 0;
    for (const a of Object.values(this.trained().arrays())) bytes += a.data.byteLength;
    return bytes;
  }

  save(): SavedModel {
    const codec = this.trained();
    return {
      pluginId: SQ_ID,
      apiVersion: PLUGIN_API_VERSION,
      params: { ...this.params },
      arrays: codec.arrays(),
      attributes: { dim: codec.dim },
    };
  }

  /** Asymmetric search: exact on decoded vectors, for squared L2 and inner product. */
  get search(): AsymmetricSearch {
    return {
      metrics: ['l2', 'ip'],
      exactOnDecoded: true,
      prepare: (query: Float32Array, metric: Metric): CodeDistances => {
        const codec = this.trained();
        assertQuery(query, codec.dim);
        if (metric !== 'l2' && metric !== 'ip') {
          throw new ReefError('INVALID_PARAM', `sq search supports metrics l2 and ip, got ${JSON.stringify(metric)}`);
        }
        const scan = codec.prepare(query, metric);
        return {
          distances(codes: Uint8Array, out?: Float32Array): Float32Array {
            assertCodes(codes, codec.codeSize);
            return scan.distances(codes, out);
          },
        };
      },
    };
  }

  private trained(): Codec {
    if (!this.codec) throw new ReefError('NOT_TRAINED', 'sq quantizer is not trained: call fit() first or load a saved model');
    return this.codec;
  }
}

/** Estimates the ranges (integer formats) or just records the dimension (float casts). */
function trainCodec(config: SqConfig, train: Vectors, onProgress?: (fraction: number) => void): Codec {
  const { dim, count, data } = train;
  const bits = integerBits(config.format);
  const kernels = encodeKernels();
  if (bits === undefined || config.estimator !== 'minmax' || !kernels) assertTrainingFinite(train);
  if (bits === undefined) return new FloatCodec(dim, config.format as 'fp16' | 'bf16');
  const options = { levels: 2 ** bits, k: config.k, quantile: config.quantile };
  if (config.range === 'global' && config.estimator === 'minmax' && kernels) {
    // The extremes of the per-dimension extremes (WASM SIMD pass below).
    const { lower, upper } = columnMinMax(kernels, train);
    return new UniformCodec(dim, bits, Float32Array.of(Math.min(...lower)), Float32Array.of(Math.max(...upper)));
  }
  if (config.range === 'global') {
    const r = estimateRange(data, config.estimator, options);
    return new UniformCodec(dim, bits, Float32Array.of(r.lower), Float32Array.of(r.upper));
  }
  if (config.estimator === 'minmax') {
    // Min–max needs no columns: one streaming pass over the rows.
    if (kernels) {
      // Four dimensions per SIMD step: several times faster than the JS loop below.
      const { lower, upper } = columnMinMax(kernels, train);
      return new UniformCodec(dim, bits, lower, upper);
    }
    const lower = new Float32Array(dim).fill(Infinity);
    const upper = new Float32Array(dim).fill(-Infinity);
    for (let i = 0; i < count; i++) {
      const row = i * dim;
      for (let d = 0; d < dim; d++) {
        const x = data[row + d];
        if (x < lower[d]) lower[d] = x;
        if (x > upper[d]) upper[d] = x;
      }
    }
    return new UniformCodec(dim, bits, lower, upper);
  }
  const lower = new Float32Array(dim);
  const upper = new Float32Array(dim);
  // Columns are gathered a block of dimensions at a time: one pass over the row-major data per
  // block instead of one strided pass per dimension, which thrashes the cache on large sets.
  const block = Math.min(dim, COLUMN_BLOCK);
  const columns = new Float32Array(block * count);
  for (let d0 = 0; d0 < dim; d0 += block) {
    const width = Math.min(block, dim - d0);
    for (let i = 0; i < count; i++) {
      const row = i * dim + d0;
      for (let j = 0; j < width; j++) columns[j * count + i] = data[row + j];
    }
    for (let j = 0; j < width; j++) {
      const r = estimateRange(columns.subarray(j * count, (j + 1) * count), config.estimator, options);
      lower[d0 + j] = r.lower;
      upper[d0 + j] = r.upper;
    }
    onProgress?.(Math.min(1, (d0 + width) / dim));
  }
  return new UniformCodec(dim, bits, lower, upper);
}

/**
 * Per-dimension min–max in one WASM SIMD pass, which also proves the data finite: a NaN or an
 * infinite value ends up as a bound (see minMaxRows in wasm/encode.ts), so finite bounds mean finite data.
 * Otherwise core's scan names the first bad value.
 */
function columnMinMax(kernels: EncodeKernelExports, train: Vectors): { lower: Float32Array; upper: Float32Array } {
  const { data, count, dim } = train;
  const lower = new Float32Array(dim).fill(Infinity);
  const upper = new Float32Array(dim).fill(-Infinity);
  wasmColumnMinMax(kernels, data, count, dim, lower, upper);
  for (let d = 0; d < dim; d++) {
    if (!Number.isFinite(lower[d]) || !Number.isFinite(upper[d])) assertFinite(train, 'training vectors');
  }
  return { lower, upper };
}

/** The NaN/Inf check for training paths without a min–max pass: WASM scan, then core's to name it. */
function assertTrainingFinite(train: Vectors): void {
  const kernels = encodeKernels();
  if (!kernels || !wasmAllFinite(kernels, train.data)) assertFinite(train, 'training vectors');
}

/** Dimensions gathered per pass while training per-dimension ranges. */
const COLUMN_BLOCK = 32;
