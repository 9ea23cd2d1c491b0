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
import { dot, multiplyInPool, multiplyTransposedFast, ResidentMatrix } from '@reef/kernels';
import { PQ_ID, ProductQuantizer, type AssignFn, type ProductCodebooks, type SearchBatchOptions } from '@reef/quantizer-pq';
import { OPQ_PARAMS, opqConfig, outputDim, validateOpq, type OpqConfig } from './params.js';
import { trainRotation } from './rotation.js';

export const OPQ_ID = 'opq';

/** A trained OPQ: the rotation and the product quantizer it feeds. */
interface OpqModel {
  /** dIn × dOut, orthonormal columns, row-major: rotated = x · rotation. */
  readonly rotation: Float32Array;
  readonly dIn: number;
  /** Codes the rotated vectors (dimension dOut). */
  readonly pq: ProductQuantizer;
  /** The rotation resident in WASM memory, made on first use (see rotate). */
  rotator?: ResidentMatrix;
}

export interface OpqOptions {
  /** Nearest-centroid search for training, e.g. a worker-thread one. */
  readonly assign?: AssignFn;
  readonly onWarning?: (message: string) => void;
  /**
   * The host's compute pool (COMPUTE_POOL), handed to the product quantizer this composes: its
   * products, k-means, encoding and searches run there. Without one, everything runs on this thread.
   */
  readonly pool?: ComputePool;
}

/** Rows per block of encodeAsync: 8192 rotated rows of 784 floats are 25 MB. */
const ENCODE_BLOCK_ROWS = 8192;

/**
 * Optimized product quantization as FAISS builds it (an OPQMatrix, a linear transform, in front of
 * a ProductQuantizer): x is mapped to z = x P by a learned matrix P (dIn × dOut, orthonormal
 * columns), and z is coded by an ordinary `ProductQuantizer` of @reef/quantizer-pq. This class
 * learns P (rotation.ts) and puts the two together; codes, lookup tables, searches and the use of
 * the compute pool are the product quantizer's. Decoding returns y Pᵀ in the input space, so errors and
 * distances are measured where the data lives.
 */
export class OptimizedProductQuantizer implements Quantizer {
  readonly pluginId: string = OPQ_ID;
  readonly params: Params;
  readonly config: OpqConfig;
  readonly warnings: string[] = [];
  readonly search: AsymmetricSearch;
  readonly codeSize: number;
  private trained: OpqModel | undefined;

  constructor(
    params: Record<string, unknown> = {},
    private readonly options: OpqOptions = {},
  ) {
    this.params = resolveParams(OPQ_ID, OPQ_PARAMS, params);
    this.config = opqConfig(this.params);
    this.codeSize = this.untrainedProductQuantizer().codeSize;
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
    return this.model.pq.dim;
  }

  /** The learned dIn × dOut matrix (row-major); rotated = x · rotation. */
  get rotation(): Float32Array {
    return this.model.rotation;
  }

  /** The trained product quantizer that codes the rotated vectors. */
  get productQuantizer(): ProductQuantizer {
    return this.model.pq;
  }

  get codebooks(): ProductCodebooks {
    return this.model.pq.codebooks;
  }

  async fit(train: Vectors, options: FitOptions = {}): Promise<void> {
    const { nbits } = this.config;
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
    const pq = this.untrainedProductQuantizer();
    // The rotation takes most of the time; the final PQ the rest.
    const rotation = await trainRotation(train.data, train.count, dIn, this.config, pq, dOut, {
      seed,
      onWarning,
      onProgress: (f) => options.onProgress?.(0.8 * f),
    });
    const rotated = await pq.transformAsync(train, rotation, dOut);
    await pq.fit(
      { data: rotated, count: train.count, dim: dOut },
      {
        seed,
        // Warm-started from the last round's codebooks: measured on Fashion-MNIST, k-means from
        // scratch on the final rotation ends at a higher MSE than continuing from them.
        warmStart: pq.codebooks,
        onProgress: (f) => options.onProgress?.(0.8 + 0.2 * f),
      },
    );
    this.trained = { rotation, dIn, pq };
  }

  encode(vectors: Vectors): Uint8Array {
    const { dIn, pq } = this.model;
    assertEncodable(vectors, dIn);
    return pq.encode(this.rotated(vectors));
  }

  /**
   * encode() with the rotation and the PQ step on the product quantizer's compute pool (up to the
   * `threads` parameter of its threads); the same codes (the pooled product gives the resident
   * matrix's bit for bit: the same kernel). Rows go through in blocks that reuse one buffer for their rotation: a
   * rotated copy of the whole input costs its size in fresh memory, whose first touch took about a
   * sixth of the time on 60k Fashion-MNIST vectors here.
   */
  async encodeAsync(vectors: Vectors): Promise<Uint8Array> {
    const { dIn, rotation, pq } = this.model;
    assertEncodable(vectors, dIn);
    const { count: n, data } = vectors;
    const dOut = pq.dim;
    const blockRows = Math.max(1, Math.min(n, ENCODE_BLOCK_ROWS));
    const buffer = new Float32Array(blockRows * dOut);
    const codes = new Uint8Array(n * pq.codeSize);
    for (let i0 = 0; i0 < n; i0 += blockRows) {
      const rows = Math.min(blockRows, n - i0);
      const block = { data: data.subarray(i0 * dIn, (i0 + rows) * dIn), count: rows, dim: dIn };
      const rotated = await pq.transformAsync(block, rotation, dOut, buffer.subarray(0, rows * dOut));
      codes.set(await pq.encodeAsync({ data: rotated, count: rows, dim: dOut }), i0 * pq.codeSize);
    }
    return codes;
  }

  /**
   * Top-k of many queries against many codes by asymmetric distance (see ProductQuantizer's
   * searchBatch): the queries are rotated once (by row blocks on the compute pool when more than
   * one thread may be used: the same bits as here), then searched by the product quantizer, on its
   * compute pool where it has one (up to `threads`, the parameter or option, of its threads); 'l2' scores get each query's
   * constant ‖q‖² − ‖q P‖² as in search.prepare.
   */
  async searchBatch(
    queries: Vectors,
    codes: Uint8Array,
    k: number,
    metric: Metric = 'l2',
    options: SearchBatchOptions = {},
  ): Promise<{ ids: Int32Array; scores: Float32Array; k: number }> {
    const { dIn, pq } = this.model;
    assertEncodable(queries, dIn);
    assertCodes(codes, pq.codeSize);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `opq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    if (!Number.isInteger(k) || k < 1) throw new ReefError('INVALID_PARAM', `opq: searchBatch needs k ≥ 1, got ${k}`);
    const threads = options.threads ?? this.config.threads;
    if (!Number.isInteger(threads) || threads < 0) throw new ReefError('INVALID_PARAM', `opq: searchBatch threads must be an integer ≥ 0, got ${threads}`);
    const nq = queries.count;
    const pool = this.options.pool;
    const { rotation } = this.model;
    // On one thread the rotation of a large batch would take a third of a two-thread search.
    const onPool = threads !== 1 && pool && nq > 0 ? await multiplyInPool(pool, queries.data, nq, dIn, rotation, pq.dim, threads) : undefined;
    const rotated = onPool ? { data: onPool, count: nq, dim: pq.dim } : this.rotated(queries);
    const found = await pq.searchBatch(rotated, codes, k, metric, { threads });
    if (metric === 'l2') {
      const dOut = rotated.dim;
      for (let q = 0; q < nq; q++) {
        const offset = dot(queries.data, q * dIn, queries.data, q * dIn, dIn) - dot(rotated.data, q * dOut, rotated.data, q * dOut, dOut);
        for (let t = q * k; t < (q + 1) * k; t++) found.scores[t] += offset;
      }
    }
    return found;
  }

  decode(codes: Uint8Array): Float32Array {
    const { rotation, dIn, pq } = this.model;
    const n = assertCodes(codes, pq.codeSize);
    const rotated = pq.decode(codes);
    // y Pᵀ: entry (i, p) is the dot product of row i of y with row p of P.
    return multiplyTransposedFast(rotated, n, pq.dim, rotation, dIn);
  }

  modelBytes(): number {
    const { rotation, pq } = this.model;
    return rotation.byteLength + pq.modelBytes();
  }

  /** The rotation and the product quantizer's codebooks, in one model of this plugin. */
  save(): SavedModel {
    const { rotation, dIn, pq } = this.model;
    const { centroids, m, nbits } = pq.codebooks;
    const dOut = pq.dim;
    return {
      pluginId: OPQ_ID,
      apiVersion: PLUGIN_API_VERSION,
      params: { ...this.params },
      attributes: { dim: dIn, outDim: dOut, m, nbits },
      arrays: {
        rotation: named(rotation, [dIn, dOut]),
        centroids: named(centroids, [centroids.length]),
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
    const centroids = requireArray(saved, 'centroids', Float32Array, 2 ** nbits * dOut);
    // The product quantizer's part of the model, as it saves itself (ProductQuantizer.load copies the centroids).
    const pq = ProductQuantizer.load(
      {
        pluginId: PQ_ID,
        apiVersion: PLUGIN_API_VERSION,
        params: opq.untrainedProductQuantizer().params,
        attributes: { dim: dOut, m, nbits },
        arrays: { centroids: named(centroids, [centroids.length]) },
      },
      { assign: options.assign, pool: options.pool },
    );
    opq.trained = { rotation, dIn, pq };
    return opq;
  }

  /**
   * The product quantizer that training starts from: k-means with niterFinal iterations (the
   * rounds of rotation learning pass their own), random initialisation as FAISS, the `threads`
   * parameter for how many of the compute pool's threads it uses.
   */
  private untrainedProductQuantizer(): ProductQuantizer {
    const { m, nbits, niterFinal, threads } = this.config;
    return new ProductQuantizer({ m, nbits, niter: niterFinal, init: 'random', threads }, { assign: this.options.assign, pool: this.options.pool });
  }

  /** `vectors` rotated: x P for every row (see rotate). */
  private rotated(vectors: Vectors): Vectors {
    return { data: this.rotate(vectors.data, vectors.count), count: vectors.count, dim: this.model.pq.dim };
  }

  /**
   * x P for n rows of x, every caller (encoding, batch and single-query search) through the same
   * WASM-resident copy of P: the same rotated vectors whatever the batch size, and a single query
   * costs a matrix–vector product instead of a copy of P.
   */
  private rotate(x: Float32Array, n: number): Float32Array {
    const model = this.model;
    model.rotator ??= new ResidentMatrix(model.rotation, model.dIn, model.pq.dim);
    return model.rotator.multiply(x, n);
  }

  /**
   * The product quantizer's lookup table on the rotated query. For 'l2',
   * ‖q − y Pᵀ‖² = ‖q P − y‖² + ‖q‖² − ‖q P‖² since P has orthonormal columns, so the constant is
   * added to stay exact on decoded vectors when dOut < dIn; inner products need no correction.
   */
  private prepare(query: Float32Array, metric: Metric): CodeDistances {
    const { dIn, pq } = this.model;
    assertQuery(query, dIn);
    if (metric !== 'l2' && metric !== 'ip') throw new ReefError('UNSUPPORTED', `opq: metric must be 'l2' or 'ip', got ${JSON.stringify(metric)}`);
    const dOut = pq.dim;
    const rotated = this.rotate(query, 1);
    const table = pq.search.prepare(rotated, metric);
    const offset = metric === 'l2' ? dot(query, 0, query, 0, dIn) - dot(rotated, 0, rotated, 0, dOut) : 0;
    return {
      distances: (codes, out) => {
        const n = assertCodes(codes, pq.codeSize);
        const result = table.distances(codes, out);
        if (offset !== 0) for (let i = 0; i < n; i++) result[i] += offset;
        return result;
      },
    };
  }
}
