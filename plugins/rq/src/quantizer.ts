import {
  assertCodes,
  assertEncodable,
  assertTrainingSet,
  named,
  PLUGIN_API_VERSION,
  ReefError,
  requireArray,
  requireNumber,
  type FitOptions,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import { beamSearchEncode } from './beam-search.js';
import { Codebooks } from './codebooks.js';
import { packCodes, unpackCode } from './codes.js';
import { rqCodeSize, rqConfig, type RqConfig } from './params.js';
import { RqSearch } from './search.js';
import { trainCodebooks } from './train.js';

export const RQ_ID = 'rq';

/** A residual quantizer: L stages of 2^nbits codewords, each coding what the previous ones left. */
export class ResidualQuantizer implements Quantizer {
  readonly pluginId = RQ_ID;
  readonly config: RqConfig;
  readonly codeSize: number;
  private books: Codebooks | undefined;
  private searchImpl: RqSearch | undefined;

  constructor(readonly params: Params) {
    this.config = rqConfig(params);
    this.codeSize = rqCodeSize(this.config);
  }

  get isTrained(): boolean {
    return this.books !== undefined;
  }

  get dim(): number {
    return this.trained().dim;
  }

  /** Codewords per stage. */
  get k(): number {
    return 2 ** this.config.nbits;
  }

  get search(): RqSearch | undefined {
    return this.searchImpl;
  }

  /** The trained codebooks (stage-major, K × d each). */
  get codebooks(): Float32Array {
    return this.trained().data;
  }

  async fit(train: Vectors, options: FitOptions = {}): Promise<void> {
    // Every stage runs k-means with K centroids on as many residuals as there are vectors.
    assertTrainingSet(train, this.k);
    const { books } = await trainCodebooks(train.data, train.count, train.dim, this.config, options.seed ?? 1234, options.onProgress);
    this.setBooks(books);
  }

  encode(vectors: Vectors): Uint8Array {
    const books = this.trained();
    assertEncodable(vectors, books.dim);
    const { indices } = beamSearchEncode(books, vectors.data, vectors.count, this.config.beam);
    return packCodes(indices, vectors.count, this.config.stages, this.config.nbits);
  }

  decode(codes: Uint8Array): Float32Array {
    const books = this.trained();
    const n = assertCodes(codes, this.codeSize);
    const { stages, nbits } = this.config;
    const out = new Float32Array(n * books.dim);
    const indices = new Uint32Array(stages);
    for (let i = 0; i < n; i++) {
      unpackCode(codes, i, stages, nbits, this.codeSize, indices);
      books.decodeInto(indices, 0, out, i * books.dim);
    }
    return out;
  }

  /** Only the codebooks are saved; norms and inner-product tables are rebuilt from them on load. */
  modelBytes(): number {
    return this.trained().data.byteLength;
  }

  save(): SavedModel {
    const books = this.trained();
    return {
      pluginId: RQ_ID,
      apiVersion: PLUGIN_API_VERSION,
      params: { ...this.params },
      arrays: { codebooks: named(books.data.slice(), [books.stages, books.k, books.dim]) },
      attributes: { dim: books.dim },
    };
  }

  /** Installs codebooks read back by `load`, checking they fit the parameters. */
  restore(saved: SavedModel): void {
    const dim = requireNumber(saved, 'dim', true);
    if (dim < 1) throw new ReefError('BAD_MODEL', `saved RQ model has dimension ${dim}; it must be at least 1`);
    const { stages } = this.config;
    const data = requireArray(saved, 'codebooks', Float32Array, stages * this.k * dim);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new ReefError('BAD_MODEL', `saved RQ codebooks contain ${data[i]} at element ${i}`);
    }
    this.setBooks(new Codebooks(data.slice(), stages, this.k, dim));
  }

  private setBooks(books: Codebooks): void {
    this.books = books;
    this.searchImpl = new RqSearch(books, this.config.nbits, this.codeSize);
  }

  private trained(): Codebooks {
    if (!this.books) throw new ReefError('NOT_TRAINED', 'RQ quantizer is not trained: call fit() or load a saved model first');
    return this.books;
  }
}
