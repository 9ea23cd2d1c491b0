import {
  ReefError,
  assertCodes,
  assertEncodable,
  assertTrainingSet,
  named,
  requireArray,
  requireNumber,
  type AsymmetricSearch,
  type FitOptions,
  type NamedArray,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import { Rng, randomOrthogonal } from '@reef/kernels';
import { DecodedCodes } from './decoded-codes.js';
import { BLOCK, lattice, type LatticeName } from './lattices.js';
import { LatticeModel, type LatticeModelState } from './model.js';
import { fitNormalisation, type Normalisation } from './normalisation.js';
import { fitStep, type BlockSample } from './scale.js';
import { latticeSearch } from './search.js';
import { VoronoiCode } from './voronoi.js';

/** Blocks sampled from the training set to fit the step: plenty for one scalar, cheap to scan ~40 times. */
const STEP_SAMPLE_BLOCKS = 8192;

export class LatticeQuantizer implements Quantizer {
  readonly pluginId = 'lattice';
  readonly params: Params;
  /** Squared error on the step-fitting sample relative to its variance (1 would be coding every dimension as its centre, for 'std'). */
  fitMse?: number;
  private model?: LatticeModel;
  /** Each searched code array's decoded vectors, decoded once and reused by every query (see DecodedCodes). */
  private readonly decoded = new DecodedCodes();

  constructor(params: Params) {
    this.params = params;
  }

  get isTrained(): boolean {
    return this.model !== undefined;
  }

  get dim(): number {
    return this.trained().dim;
  }

  get codeSize(): number {
    return this.trained().codeSize;
  }

  private newCode(): VoronoiCode {
    return new VoronoiCode(lattice(this.params.lattice as LatticeName), this.params.bits as number);
  }

  async fit(train: Vectors, options: FitOptions = {}): Promise<void> {
    assertTrainingSet(train, 2);
    const { dim } = train;
    const rng = new Rng(options.seed ?? 1234);
    const rotation = this.params.rotate ? randomOrthogonal(dim, Rng.forPurpose(options.seed ?? 1234, 'lattice/rotation')) : undefined;
    options.onProgress?.(0.1);

    const { centre, scale } = fitNormalisation(train, this.params.normalise as Normalisation, rotation);
    options.onProgress?.(0.3);

    const normalised = new LatticeModel({ dim, centre, scale, alpha: 1, rotation }, this.newCode());
    const sample = sampleBlocks(train, normalised, rng);
    const { alpha, mse } = fitStep(sample, normalised.code);
    this.fitMse = mse;
    this.model = new LatticeModel({ dim, centre, scale, alpha, rotation }, this.newCode());
    options.onProgress?.(1);
  }

  encode(vectors: Vectors): Uint8Array {
    const model = this.trained();
    assertEncodable(vectors, model.dim);
    const codes = new Uint8Array(vectors.count * model.codeSize);
    const twice = new Int16Array(vectors.count * model.paddedDim);
    const v = new Float64Array(model.paddedDim);
    for (let i = 0; i < vectors.count; i++) {
      model.toLattice(vectors.data, i * model.dim, v);
      model.encodeLattice(v, codes, i * model.codeSize, twice, i * model.paddedDim);
    }
    // The search-ready form (decoded vectors resident in WASM memory) is built now, from the points
    // just chosen: a few percent of encoding, where a search would otherwise pay it on its first query.
    this.decoded.remember(codes, twice);
    if (vectors.count > 0) this.decoded.scanFor(model, codes, vectors.count);
    return codes;
  }

  decode(codes: Uint8Array): Float32Array {
    const model = this.trained();
    const count = assertCodes(codes, model.codeSize);
    const out = new Float32Array(count * model.dim);
    const twice = new Int16Array(count * model.paddedDim);
    const v = new Float64Array(model.paddedDim);
    for (let i = 0; i < count; i++) {
      model.decodeLattice(codes, i * model.codeSize, v);
      for (let j = 0; j < model.paddedDim; j++) twice[i * model.paddedDim + j] = 2 * v[j];
      model.fromLattice(v, out, i * model.dim);
    }
    this.decoded.remember(codes, twice);
    return out;
  }

  modelBytes(): number {
    const { centre, scale, rotation } = this.trained().state;
    return centre.byteLength + scale.byteLength + (rotation?.byteLength ?? 0);
  }

  save(): SavedModel {
    const { dim, centre, scale, alpha, rotation } = this.trained().state;
    const arrays: Record<string, NamedArray> = { centre: named(centre), scale: named(scale) };
    if (rotation) arrays.rotation = named(rotation, [dim, dim]);
    return { pluginId: this.pluginId, apiVersion: 1, params: this.params, arrays, attributes: { dim, alpha } };
  }

  static load(saved: SavedModel, params: Params): LatticeQuantizer {
    const q = new LatticeQuantizer(params);
    const dim = requireNumber(saved, 'dim', true);
    const alpha = requireNumber(saved, 'alpha');
    if (dim < 1 || !(alpha > 0)) throw new ReefError('BAD_MODEL', `saved lattice model has dim ${dim} and step ${alpha}; both must be positive`);
    const centre = requireArray(saved, 'centre', Float32Array, dim);
    const scale = requireArray(saved, 'scale', Float32Array, dim);
    let rotation: Float32Array | undefined;
    if (params.rotate) rotation = requireArray(saved, 'rotation', Float32Array, dim * dim);
    const state: LatticeModelState = { dim, centre, scale, alpha, rotation };
    q.model = new LatticeModel(state, q.newCode());
    return q;
  }

  /** Asymmetric search against each code array's lattice points, decoded once: exact on decoded vectors. */
  get search(): AsymmetricSearch {
    return latticeSearch(() => this.trained(), this.decoded);
  }

  private trained(): LatticeModel {
    if (!this.model) throw new ReefError('NOT_TRAINED', 'lattice quantizer is not trained: call fit() first');
    return this.model;
  }
}

/** Up to STEP_SAMPLE_BLOCKS random blocks of normalised training vectors (alpha = 1). */
function sampleBlocks(train: Vectors, model: LatticeModel, rng: Rng): BlockSample {
  const total = train.count * model.blocks;
  const count = Math.min(total, STEP_SAMPLE_BLOCKS);
  const picks = total <= STEP_SAMPLE_BLOCKS ? Array.from({ length: total }, (_, i) => i) : [...rng.sample(total, count)].sort((a, b) => a - b);
  const values = new Float64Array(count * BLOCK);
  const weight = new Float64Array(count * BLOCK);
  const v = new Float64Array(model.paddedDim);
  const { scale } = model.state;
  let lastVector = -1;
  picks.forEach((pick, s) => {
    const vector = Math.floor(pick / model.blocks);
    const block = pick - vector * model.blocks;
    if (vector !== lastVector) {
      model.toLattice(train.data, vector * model.dim, v);
      lastVector = vector;
    }
    for (let i = 0; i < BLOCK; i++) {
      const j = block * BLOCK + i;
      values[s * BLOCK + i] = v[j];
      weight[s * BLOCK + i] = j < model.dim ? scale[j] * scale[j] : 0;
    }
  });
  return { values, weight, count };
}
