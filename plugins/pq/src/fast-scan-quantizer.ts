import {
  assertCodes,
  assertEncodable,
  assertQuery,
  named,
  PLUGIN_API_VERSION,
  ReefError,
  requireArray,
  requireNumber,
  resolveParams,
  type AsymmetricSearch,
  type CodeDistances,
  type ComputePool,
  type Metric,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import { blockCodes, FastScanKernel, quantizeTable } from '@reef/kernels';
import type { ProductCodebooks } from './codebooks.js';
import { FAST_SCAN_PARAMS } from './fast-scan-params.js';
import { searchHere } from './fast-scan-search.js';
import { fastScanInWorkers } from './parallel-training.js';
import { ProductQuantizer, type ProductQuantizerFitOptions, type ProductQuantizerOptions } from './product-quantizer.js';

export const PQ_FAST_SCAN_ID = 'pq-fs';

export interface FastScanSearchOptions {
  /** Worker threads for this call, overriding the `threads` parameter: 0 = one per core, 1 = none. */
  readonly threads?: number;
  /**
   * Re-rank a shortlist of k × kFactor codes (by the u8 tables) with exact float ADC and return the
   * best k of it with exact distances; 1 (default) returns the quantised tables' ranking and
   * distances, as FAISS's IndexPQFastScan does.
   */
  readonly kFactor?: number;
}

/**
 * 4-bit product quantization searched by fast scan (André et al.; FAISS's IndexPQFastScan): PQ with
 * sixteen centroids per sub-quantizer, trained, encoded and stored exactly as `pq` with nbits = 4
 * (the same codes for the same seed), but searched with per-query tables quantised to u8 and
 * scanned 32 codes at a time by WASM SIMD swizzles, optionally re-ranking a shortlist exactly.
 */
export class FastScanQuantizer implements Quantizer {
  readonly pluginId: string = PQ_FAST_SCAN_ID;
  readonly params: Params;
  readonly search: AsymmetricSearch;
  private pq: ProductQuantizer;
  /** prepare()'s kernel, made on first use. */
  private kernel: FastScanKernel | undefined;

  constructor(
    params: Record<string, unknown> = {},
    private readonly options: ProductQuantizerOptions = {},
  ) {
    this.params = resolveParams(PQ_FAST_SCAN_ID, FAST_SCAN_PARAMS, params);
    this.pq = new ProductQuantizer({ ...this.params, nbits: 4 }, options);
    this.search = {
      metrics: ['l2', 'ip'],
      // The u8 tables round each entry: distances are close to, not equal to, the decoded vectors'.
      exactOnDecoded: false,
      prepare: (query, metric) => this.prepare(query, metric),
    };
  }

  get warnings(): string[] {
    return this.pq.warnings;
  }
  get isTrained(): boolean {
    return this.pq.isTrained;
  }
  get dim(): number {
    return this.pq.dim;
  }
  get codeSize(): number {
    return this.pq.codeSize;
  }
  get codebooks(): ProductCodebooks {
    return this.pq.codebooks;
  }

  async fit(train: Vectors, options: ProductQuantizerFitOptions = {}): Promise<void> {
    try {
      await this.pq.fit(train, options);
    } catch (error) {
      throw renamed(error);
    }
  }

  encode(vectors: Vectors): Uint8Array {
    return this.pq.encode(vectors);
  }

  encodeAsync(vectors: Vectors): Promise<Uint8Array> {
    return this.pq.encodeAsync(vectors);
  }

  decode(codes: Uint8Array): Float32Array {
    return this.pq.decode(codes);
  }

  /**
   * Top-k of many queries by fast scan (see FastScanSearchOptions for kFactor), query blocks spread
   * over the compute pool as PQ's searchBatch; the same results on any number of threads. Ids and
   * scores are nq × k, best first (ties: lower id); -1 and NaN past the number of codes.
   */
  async searchBatch(
    queries: Vectors,
    codes: Uint8Array,
    k: number,
    metric: Metric = 'l2',
    options: FastScanSearchOptions = {},
  ): Promise<{ ids: Int32Array; scores: Float32Array; k: number }> {
    const books = this.codebooks;
    assertEncodable(queries, books.layout.dim);
    const n = assertCodes(codes, books.codeSize);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `${PQ_FAST_SCAN_ID}: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `${PQ_FAST_SCAN_ID}: searchBatch needs k ≥ 1, got ${k}`);
    const kFactor = options.kFactor ?? 1;
    if (!Number.isInteger(kFactor) || kFactor < 1) throw new ReefError('INVALID_PARAM', `${PQ_FAST_SCAN_ID}: searchBatch kFactor must be an integer ≥ 1, got ${kFactor}`);
    const threads = options.threads ?? (this.params.threads as number);
    if (!Number.isInteger(threads) || threads < 0) throw new ReefError('INVALID_PARAM', `${PQ_FAST_SCAN_ID}: searchBatch threads must be an integer ≥ 0, got ${threads}`);
    const pool: ComputePool | undefined = this.options.pool;
    const job = { books, queries: queries.data, nq: queries.count, codes, n, topk: k, kFactor, metric };
    const found = (threads !== 1 && pool && (await fastScanInWorkers(pool, job, threads))) || searchHere(job);
    return { ...found, k };
  }

  modelBytes(): number {
    return this.pq.modelBytes();
  }

  save(): SavedModel {
    const books = this.codebooks;
    return {
      pluginId: PQ_FAST_SCAN_ID,
      apiVersion: PLUGIN_API_VERSION,
      params: { ...this.params },
      attributes: { dim: books.layout.dim, m: books.m },
      arrays: { centroids: named(books.centroids, [books.k * books.layout.dim]) },
    };
  }

  /** Rebuilds a trained quantizer from `save()` output. */
  static load(saved: SavedModel, options: ProductQuantizerOptions = {}): FastScanQuantizer {
    const fs = new FastScanQuantizer(saved.params, options);
    const dim = requireNumber(saved, 'dim', true);
    const m = fs.params.m as number;
    if (requireNumber(saved, 'm', true) !== m) throw new ReefError('BAD_MODEL', `${PQ_FAST_SCAN_ID}: saved attribute m disagrees with saved params m=${m}`);
    if (dim < m) throw new ReefError('BAD_MODEL', `${PQ_FAST_SCAN_ID}: saved dimension ${dim} is smaller than m=${m}`);
    const centroids = requireArray(saved, 'centroids', Float32Array, 16 * dim);
    const inner = ProductQuantizer.load({ ...saved, pluginId: 'pq', params: { ...saved.params, nbits: 4 }, attributes: { dim, m, nbits: 4 }, arrays: { centroids: named(centroids, [16 * dim]) } }, options);
    fs.pq = inner;
    return fs;
  }

  /** Quantised-table distances of every code (what the fast scan ranks by), for one query. */
  private prepare(query: Float32Array, metric: Metric): CodeDistances {
    const books = this.codebooks;
    assertQuery(query, books.layout.dim);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `${PQ_FAST_SCAN_ID}: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    const { m } = books;
    const lut = new Uint8Array(m * 16);
    const { scale, bias } = quantizeTable(books.lookupTable(query, metric), m, lut, metric === 'ip');
    const sign = metric === 'ip' ? -1 : 1;
    return {
      distances: (codes, out) => {
        const n = assertCodes(codes, books.codeSize);
        this.kernel ??= new FastScanKernel(m);
        this.kernel.loadCodes(blockCodes(codes, n, m), n);
        const sums = this.kernel.sumsAll(lut);
        const result = out ?? new Float32Array(n);
        for (let i = 0; i < n; i++) result[i] = sign * (sums[i] / scale + bias);
        return result;
      },
    };
  }
}

/** PQ's errors name `pq`; this method's users know it as `pq-fs`. */
function renamed(error: unknown): unknown {
  if (error instanceof ReefError && error.message.startsWith('pq: ')) return new ReefError(error.code, `${PQ_FAST_SCAN_ID}: ${error.message.slice(4)}`);
  return error;
}
