import {
  assertCodes,
  assertEncodable,
  assertQuery,
  assertTrainingSet,
  assertVectors,
  named,
  ReefError,
  requireArray,
  requireNumber,
  resolveParams,
  PLUGIN_API_VERSION,
  type AsymmetricSearch,
  type CodeDistances,
  type ComputePool,
  type FitOptions,
  type Metric,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import { multiplyFast, multiplyInPool, packedBytes } from '@reef/kernels';
import { ProductCodebooks, type AssignFn } from './codebooks.js';
import { assignOnPool, encodeOnPool, searchInWorkers } from './parallel-training.js';
import { PQ_PARAMS, pqConfig, validatePq, type PqConfig } from './params.js';
import { splitDimensions } from './subspaces.js';
import { searchSequential } from './search.js';
import { trainCodebooks } from './training.js';

export const PQ_ID = 'pq';

/**
 * FAISS warns below 39 training points per centroid; Reef does the same (the message lands in
 * `warnings`), and refuses fewer points than centroids, where k-means cannot place them all.
 */
export const MIN_POINTS_PER_CENTROID = 39;

export interface SearchBatchOptions {
  /** Worker threads for this call, overriding the `threads` parameter: 0 = one per core, 1 = none. */
  readonly threads?: number;
}

/** fit's options: the contract's, plus a warm start for callers that train the same quantizer again. */
export interface ProductQuantizerFitOptions extends FitOptions {
  /** k-means iterations for this fit, instead of the `niter` parameter. */
  readonly niter?: number;
  /**
   * Codebooks to continue k-means from instead of a fresh start (same m, nbits and dimension),
   * e.g. the previous ones when the training vectors moved a little, as between OPQ's rounds.
   */
  readonly warmStart?: ProductCodebooks;
}

export interface ProductQuantizerOptions {
  /** Nearest-centroid search for training, e.g. a worker-thread one from @reef/kernels. */
  readonly assign?: AssignFn;
  /** Called with each training warning as well as collecting it in `warnings`. */
  readonly onWarning?: (message: string) => void;
  /**
   * Where training, encodeAsync and searchBatch spread their work (the host's COMPUTE_POOL
   * service; the plugin passes it). Without one they run on this thread; results are the same.
   */
  readonly pool?: ComputePool;
}

/**
 * Product quantization (Jégou et al. 2011): the vector is cut into m sub-vectors, each replaced by
 * the index of its nearest centroid in a per-sub-space k-means codebook of 2^nbits entries.
 */
export class ProductQuantizer implements Quantizer {
  readonly pluginId: string = PQ_ID;
  readonly params: Params;
  readonly config: PqConfig;
  /** Training warnings, e.g. fewer than 39 points per centroid. */
  readonly warnings: string[] = [];
  readonly search: AsymmetricSearch;
  private books: ProductCodebooks | undefined;

  constructor(
    params: Record<string, unknown> = {},
    private readonly options: ProductQuantizerOptions = {},
  ) {
    this.params = resolveParams(PQ_ID, PQ_PARAMS, params);
    this.config = pqConfig(this.params);
    this.search = {
      metrics: ['l2', 'ip'],
      exactOnDecoded: true,
      prepare: (query, metric) => this.prepare(query, metric),
    };
  }

  get isTrained(): boolean {
    return this.books !== undefined;
  }

  get dim(): number {
    return this.codebooks.layout.dim;
  }

  get codeSize(): number {
    return packedBytes(this.config.m, this.config.nbits);
  }

  /** The trained codebooks; throws NOT_TRAINED before fit. */
  get codebooks(): ProductCodebooks {
    if (!this.books) throw new ReefError('NOT_TRAINED', 'pq: the quantizer is not trained; call fit() or load a saved model first');
    return this.books;
  }

  async fit(train: Vectors, options: ProductQuantizerFitOptions = {}): Promise<void> {
    const { m, nbits, init, threads } = this.config;
    const niter = options.niter ?? this.config.niter;
    const k = 2 ** nbits;
    assertTrainingSet(train);
    const invalid = validatePq(this.params, train.dim);
    if (invalid) throw new ReefError('INVALID_PARAM', `pq: ${invalid}`);
    if (train.count < k) {
      throw new ReefError(
        'TOO_FEW_POINTS',
        `pq: nbits=${nbits} gives ${k} centroids per sub-quantizer but the training set has only ${train.count} vectors; use at least ${k} (FAISS recommends ${MIN_POINTS_PER_CENTROID * k}) or lower nbits`,
      );
    }
    if (!Number.isInteger(niter) || niter < 1) throw new ReefError('INVALID_PARAM', `pq: fit needs niter ≥ 1, got ${niter}`);
    const layout = splitDimensions(train.dim, m);
    const warm = options.warmStart;
    if (warm && (warm.m !== m || warm.nbits !== nbits || warm.layout.dim !== train.dim)) {
      throw new ReefError(
        'INVALID_PARAM',
        `pq: warmStart codebooks (m=${warm.m}, nbits=${warm.nbits}, dimension ${warm.layout.dim}) do not fit this quantizer (m=${m}, nbits=${nbits}) and training vectors of dimension ${train.dim}`,
      );
    }
    this.warnings.length = 0;
    const centroids = await trainCodebooks(train.data, train.count, layout, {
      nbits,
      niter,
      init,
      initialCentroids: warm?.centroids,
      seed: options.seed ?? 1234,
      threads,
      pool: this.options.pool,
      assign: this.options.assign,
      onProgress: options.onProgress,
      onWarning: (message) => {
        this.warnings.push(message);
        this.options.onWarning?.(message);
      },
    });
    this.books = new ProductCodebooks(layout, nbits, centroids);
  }

  encode(vectors: Vectors): Uint8Array {
    const books = this.codebooks;
    assertEncodable(vectors, books.layout.dim);
    return books.encode(vectors.data, vectors.count);
  }

  /**
   * encode() on the compute pool (up to `threads` of its threads), for large batches. Returns the
   * same codes as encode().
   */
  async encodeAsync(vectors: Vectors): Promise<Uint8Array> {
    const books = this.codebooks;
    assertEncodable(vectors, books.layout.dim);
    return encodeOnPool(this.options.pool, books, vectors.data, vectors.count, this.config.threads);
  }

  /**
   * The nearest centroid of every sub-vector (n × m labels, row-major: the codes unpacked), the
   * sub-spaces spread over the compute pool as in encodeAsync. What a caller needs to work with the
   * reconstruction without decoding, e.g. OPQ's rotation update.
   */
  async assignAsync(vectors: Vectors): Promise<Int32Array> {
    const books = this.codebooks;
    assertEncodable(vectors, books.layout.dim);
    return assignOnPool(this.options.pool, books, vectors.data, vectors.count, this.config.threads);
  }

  /**
   * vectors · matrix (vectors.dim × outDim, row-major) on the compute pool (up to `threads`, the
   * parameter, of its threads) where that pays, else here: the same bits either way (multiplyFast of
   * @reef/kernels). For a linear transform in front of the quantizer, as OPQ's rotation: its
   * training and encoding products then share the quantizer's pool. Written into `out` if given.
   * Works before training.
   */
  async transformAsync(vectors: Vectors, matrix: Float32Array, outDim: number, out?: Float32Array<ArrayBuffer>): Promise<Float32Array> {
    assertVectors(vectors, 'vectors to transform');
    const { data, count, dim } = vectors;
    if (!Number.isInteger(outDim) || outDim < 1 || matrix.length !== dim * outDim) {
      throw new ReefError('INVALID_PARAM', `pq: transformAsync needs a ${dim} × outDim matrix for vectors of dimension ${dim}; got ${matrix.length} values for outDim=${outDim}`);
    }
    if (out && out.length < count * outDim) throw new ReefError('INVALID_PARAM', `pq: transformAsync output holds ${out.length} values, ${count * outDim} needed`);
    const { threads } = this.config;
    const pool = this.options.pool;
    // No rows, no workers (there would be no job to wait for).
    return (threads !== 1 && pool && count > 0 && (await multiplyInPool(pool, data, count, dim, matrix, outDim, threads, out))) || multiplyFast(data, count, dim, matrix, outDim, out);
  }

  /**
   * Top-k of many queries against many codes by asymmetric distance, query blocks spread over
   * the compute pool (up to `threads`, the parameter or option, of its threads), else on this thread. Ids and
   * scores are nq × k, best first; the same as ranking search.prepare(query).distances(codes).
   */
  async searchBatch(
    queries: Vectors,
    codes: Uint8Array,
    k: number,
    metric: Metric = 'l2',
    options: SearchBatchOptions = {},
  ): Promise<{ ids: Int32Array; scores: Float32Array; k: number }> {
    const books = this.codebooks;
    assertEncodable(queries, books.layout.dim);
    assertCodes(codes, books.codeSize);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `pq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `pq: searchBatch needs k ≥ 1, got ${k}`);
    const threads = options.threads ?? this.config.threads;
    if (!Number.isInteger(threads) || threads < 0) throw new ReefError('INVALID_PARAM', `pq: searchBatch threads must be an integer ≥ 0, got ${threads}`);
    const pool = this.options.pool;
    const found =
      (threads !== 1 && pool && (await searchInWorkers(pool, books, queries.data, queries.count, codes, k, metric, threads))) ||
      searchSequential(books, queries.data, queries.count, codes, k, metric);
    return { ...found, k };
  }

  decode(codes: Uint8Array): Float32Array {
    const books = this.codebooks;
    const n = assertCodes(codes, books.codeSize);
    return books.decode(codes, n);
  }

  modelBytes(): number {
    return this.codebooks.centroids.byteLength;
  }

  save(): SavedModel {
    const books = this.codebooks;
    return {
      pluginId: PQ_ID,
      apiVersion: PLUGIN_API_VERSION,
      params: { ...this.params },
      attributes: { dim: books.layout.dim, m: books.m, nbits: books.nbits },
      arrays: { centroids: named(books.centroids, [books.k * books.layout.dim]) },
    };
  }

  /** Rebuilds a trained quantizer from `save()` output. */
  static load(saved: SavedModel, options: ProductQuantizerOptions = {}): ProductQuantizer {
    const pq = new ProductQuantizer(saved.params, options);
    const dim = requireNumber(saved, 'dim', true);
    const { m, nbits } = pq.config;
    if (requireNumber(saved, 'm', true) !== m || requireNumber(saved, 'nbits', true) !== nbits) {
      throw new ReefError('BAD_MODEL', `pq: saved attributes m/nbits disagree with saved params m=${m}, nbits=${nbits}`);
    }
    if (dim < m) throw new ReefError('BAD_MODEL', `pq: saved dimension ${dim} is smaller than m=${m}`);
    const centroids = requireArray(saved, 'centroids', Float32Array, 2 ** nbits * dim);
    pq.books = new ProductCodebooks(splitDimensions(dim, m), nbits, centroids.slice());
    return pq;
  }

  /** Lookup table for one query; distances() then costs m table reads per code. */
  private prepare(query: Float32Array, metric: Metric): CodeDistances {
    const books = this.codebooks;
    assertQuery(query, books.layout.dim);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `pq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    const table = books.lookupTable(query, metric);
    return {
      distances: (codes, out) => {
        const n = assertCodes(codes, books.codeSize);
        return books.tableDistances(table, codes, n, out ?? new Float32Array(n));
      },
    };
  }
}
