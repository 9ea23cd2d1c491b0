import {
  assertCodes,
  assertEncodable,
  assertQuery,
  assertTrainingSet,
  named,
  PLUGIN_API_VERSION,
  ReefError,
  requireArray,
  requireNumber,
  resolveParams,
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
import { dot, multiplyTransposedFast, packedBytes, ResidentMatrix } from '@reef/kernels';
import {
  encodeOnPool,
  ProductCodebooks,
  searchInWorkers,
  searchSequential,
  splitDimensions,
  trainCodebooks,
  type AssignFn,
  type SearchBatchOptions,
} from '@reef/quantizer-pq';
import { OPQ_PARAMS, opqConfig, outputDim, validateOpq, type OpqConfig } from './params.js';
import { multiplyRows, trainRotation } from './rotation.js';

export const OPQ_ID = 'opq';

interface OpqModel {
  readonly rotation: Float32Array;
  readonly books: ProductCodebooks;
  readonly dIn: number;
  /** The rotation resident in WASM memory, made on first use (see rotate). */
  rotator?: ResidentMatrix;
}

export interface OpqOptions {
  /** Nearest-centroid search for training, e.g. a worker-thread one. */
  readonly assign?: AssignFn;
  readonly onWarning?: (message: string) => void;
  /** The host's compute pool (COMPUTE_POOL); without one, everything runs on this thread. */
  readonly pool?: ComputePool;
}

/** Rows per block of encodeAsync: 8192 rotated rows of 784 floats are 25 MB. */
const ENCODE_BLOCK_ROWS = 8192;

/**
 * Optimized product quantization: x is mapped to z = x P by a learned matrix P (dIn × dOut,
 * orthonormal columns), then z is product-quantized. Decoding returns y Pᵀ in the input space, so
 * errors and distances are measured where the data lives.
 */
export class OptimizedProductQuantizer implements Quantizer {
  readonly pluginId: string = OPQ_ID;
  readonly params: Params;
  readonly config: OpqConfig;
  readonly warnings: string[] = [];
  readonly search: AsymmetricSearch;
  private trained: OpqModel | undefined;

  constructor(
    params: Record<string, unknown> = {},
    private readonly options: OpqOptions = {},
  ) {
    this.params = resolveParams(OPQ_ID, OPQ_PARAMS, params);
    this.config = opqConfig(this.params);
    this.search = { metrics: ['l2', 'ip'], exactOnDecoded: true, prepare: (q, metric) => this.prepare(q, metric) };
  }

  get isTrained(): boolean {
    return this.trained !== undefined;
  }

  private get model(): OpqModel {
    if (!this.trained) throw new ReefError('NOT_TRAINED', 'opq: the quantizer is not trained; call fit() or load a saved model first');
    return this.trained;
  }

  get dim(): number {
    return this.model.dIn;
  }

  /** Dimension after the rotation, where the product quantizer works. */
  get outDim(): number {
    return this.model.books.layout.dim;
  }

  /** The learned dIn × dOut matrix (row-major); rotated = x · rotation. */
  get rotation(): Float32Array {
    return this.model.rotation;
  }

  get codebooks(): ProductCodebooks {
    return this.model.books;
  }

  get codeSize(): number {
    return packedBytes(this.config.m, this.config.nbits);
  }

  async fit(train: Vectors, options: FitOptions = {}): Promise<void> {
    const { m, nbits, niterFinal } = this.config;
    const k = 2 ** nbits;
    assertTrainingSet(train);
    const invalid = validateOpq(this.params, train.dim);
    if (invalid) throw new ReefError('INVALID_PARAM', `opq: ${invalid}`);
    if (train.count < k) {
      throw new ReefError(
        'TOO_FEW_POINTS',
        `opq: nbits=${nbits} gives ${k} centroids per sub-quantizer but the training set has only ${train.count} vectors; use at least ${k} (FAISS recommends ${39 * k}) or lower nbits`,
      );
    }
    this.warnings.length = 0;
    const onWarning = (message: string): void => {
      this.warnings.push(message);
      this.options.onWarning?.(message);
    };
    const seed = options.seed ?? 1234;
    const dIn = train.dim;
    const dOut = outputDim(this.params, dIn);
    // The rotation takes most of the time; the final PQ the rest.
    const { rotation, centroids: lastRound } = await trainRotation(train.data, train.count, dIn, this.config, dOut, {
      seed,
      assign: this.options.assign,
      pool: this.options.pool,
      onWarning,
      onProgress: (f) => options.onProgress?.(0.8 * f),
    });
    const rotated = await multiplyRows(this.options.pool, train.data, train.count, dIn, rotation, dOut, this.config.threads);
    const layout = splitDimensions(dOut, m);
    const centroids = await trainCodebooks(rotated, train.count, layout, {
      nbits,
      niter: niterFinal,
      seed,
      init: 'random',
      // Warm-started from the last round's codebooks: measured on Fashion-MNIST, k-means from
      // scratch on the final rotation ends at a higher MSE than continuing from them.
      initialCentroids: lastRound,
      threads: this.config.threads,
      pool: this.options.pool,
      assign: this.options.assign,
      onProgress: (f) => options.onProgress?.(0.8 + 0.2 * f),
    });
    this.trained = { rotation, books: new ProductCodebooks(layout, nbits, centroids), dIn };
  }

  encode(vectors: Vectors): Uint8Array {
    const { books, dIn } = this.model;
    assertEncodable(vectors, dIn);
    return books.encode(this.rotate(vectors.data, vectors.count), vectors.count);
  }

  /**
   * encode() with the rotation and the PQ step on worker threads (the `threads` parameter); the
   * same codes (multiplyRows gives the resident matrix's products bit for bit: the same kernel).
   * Rows go through in blocks that reuse one buffer for their rotation: a rotated copy of the whole
   * input costs its size in fresh memory, whose first touch took about a sixth of the time on 60k
   * Fashion-MNIST vectors here.
   */
  async encodeAsync(vectors: Vectors): Promise<Uint8Array> {
    const { books, dIn, rotation } = this.model;
    assertEncodable(vectors, dIn);
    const { count: n, data } = vectors;
    const dOut = books.layout.dim;
    const threads = this.config.threads;
    const blockRows = Math.max(1, Math.min(n, ENCODE_BLOCK_ROWS));
    const rotated = new Float32Array(blockRows * dOut);
    const codes = new Uint8Array(n * books.codeSize);
    for (let i0 = 0; i0 < n; i0 += blockRows) {
      const rows = Math.min(blockRows, n - i0);
      const block = await multiplyRows(this.options.pool, data.subarray(i0 * dIn, (i0 + rows) * dIn), rows, dIn, rotation, dOut, threads, rotated.subarray(0, rows * dOut));
      codes.set(await encodeOnPool(this.options.pool, books, block, rows, threads), i0 * books.codeSize);
    }
    return codes;
  }

  /**
   * Top-k of many queries against many codes by asymmetric distance (see ProductQuantizer's
   * searchBatch): the queries are rotated once, then searched by the PQ, on worker threads where
   * available (the `threads` parameter or option); 'l2' scores get each query's constant
   * ‖q‖² − ‖q P‖² as in search.prepare.
   */
  async searchBatch(
    queries: Vectors,
    codes: Uint8Array,
    k: number,
    metric: Metric = 'l2',
    options: SearchBatchOptions = {},
  ): Promise<{ ids: Int32Array; scores: Float32Array; k: number }> {
    const { books, dIn } = this.model;
    assertEncodable(queries, dIn);
    assertCodes(codes, books.codeSize);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `opq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `opq: searchBatch needs k ≥ 1, got ${k}`);
    const threads = options.threads ?? this.config.threads;
    if (!Number.isInteger(threads) || threads < 0) throw new ReefError('INVALID_PARAM', `opq: searchBatch threads must be an integer ≥ 0, got ${threads}`);
    const nq = queries.count;
    const dOut = books.layout.dim;
    const rotated = this.rotate(queries.data, nq);
    const found =
      (threads !== 1 && this.options.pool && (await searchInWorkers(this.options.pool, books, rotated, nq, codes, k, metric, threads))) ||
      searchSequential(books, rotated, nq, codes, k, metric);
    if (metric === 'l2') {
      for (let q = 0; q < nq; q++) {
        const offset = dot(queries.data, q * dIn, queries.data, q * dIn, dIn) - dot(rotated, q * dOut, rotated, q * dOut, dOut);
        for (let t = q * k; t < (q + 1) * k; t++) found.scores[t] += offset;
      }
    }
    return { ...found, k };
  }

  decode(codes: Uint8Array): Float32Array {
    const { rotation, books, dIn } = this.model;
    const n = assertCodes(codes, books.codeSize);
    const dOut = books.layout.dim;
    const rotated = books.decode(codes, n);
    // y Pᵀ: entry (i, p) is the dot product of row i of y with row p of P.
    return multiplyTransposedFast(rotated, n, dOut, rotation, dIn);
  }

  modelBytes(): number {
    const { rotation, books } = this.model;
    return rotation.byteLength + books.centroids.byteLength;
  }

  save(): SavedModel {
    const { rotation, books, dIn } = this.model;
    const dOut = books.layout.dim;
    return {
      pluginId: OPQ_ID,
      apiVersion: PLUGIN_API_VERSION,
      params: { ...this.params },
      attributes: { dim: dIn, outDim: dOut, m: books.m, nbits: books.nbits },
      arrays: {
        rotation: named(rotation, [dIn, dOut]),
        centroids: named(books.centroids, [books.k * dOut]),
      },
    };
  }

  static load(saved: SavedModel, options: OpqOptions = {}): OptimizedProductQuantizer {
    const opq = new OptimizedProductQuantizer(saved.params, options);
    const { m, nbits } = opq.config;
    const dIn = requireNumber(saved, 'dim', true);
    const dOut = requireNumber(saved, 'outDim', true);
    if (requireNumber(saved, 'm', true) !== m || requireNumber(saved, 'nbits', true) !== nbits) {
      throw new ReefError('BAD_MODEL', `opq: saved attributes m/nbits disagree with saved params m=${m}, nbits=${nbits}`);
    }
    if (dOut > dIn || dOut < m) throw new ReefError('BAD_MODEL', `opq: saved outDim ${dOut} must lie between m=${m} and dim ${dIn}`);
    const rotation = requireArray(saved, 'rotation', Float32Array, dIn * dOut).slice();
    const centroids = requireArray(saved, 'centroids', Float32Array, 2 ** nbits * dOut).slice();
    opq.trained = { rotation, books: new ProductCodebooks(splitDimensions(dOut, m), nbits, centroids), dIn };
    return opq;
  }

  /**
   * x P for n rows of x, every caller (encoding, batch and single-query search) through the same
   * WASM-resident copy of P: the same rotated vectors whatever the batch size, and a single query
   * costs a matrix–vector product instead of a copy of P.
   */
  private rotate(x: Float32Array, n: number): Float32Array {
    const model = this.model;
    model.rotator ??= new ResidentMatrix(model.rotation, model.dIn, model.books.layout.dim);
    return model.rotator.multiply(x, n);
  }

  /**
   * Lookup table on the rotated query. For 'l2', ‖q − y Pᵀ‖² = ‖q P − y‖² + ‖q‖² − ‖q P‖² since
   * P has orthonormal columns, so the constant is added to stay exact on decoded vectors when
   * dOut < dIn; inner products need no correction.
   */
  private prepare(query: Float32Array, metric: Metric): CodeDistances {
    const { books, dIn } = this.model;
    assertQuery(query, dIn);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `opq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    const dOut = books.layout.dim;
    const rotated = this.rotate(query, 1);
    const table = books.lookupTable(rotated, metric);
    const offset = metric === 'l2' ? dot(query, 0, query, 0, dIn) - dot(rotated, 0, rotated, 0, dOut) : 0;
    return {
      distances: (codes, out) => {
        const n = assertCodes(codes, books.codeSize);
        const result = books.tableDistances(table, codes, n, out ?? new Float32Array(n));
        if (offset !== 0) for (let i = 0; i < n; i++) result[i] += offset;
        return result;
      },
    };
  }
}
