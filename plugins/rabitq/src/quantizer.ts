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
  type Metric,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import { Rng, packValues, randomOrthogonal, unpackValues } from '@reef/kernels';
import { quantizeDirection } from './direction.js';
import { prepareEstimator, type QueryMode, type RaBitQEstimator, type Ranking } from './estimator.js';
import { RaBitQModel } from './model.js';

/** Rows rotated together when encoding or decoding a set (memory: two blocks of float64 rows). */
const ROTATION_BLOCK = 64;

/**
 * RaBitQ (Gao & Long, SIGMOD 2024) and extended RaBitQ (Gao et al., SIGMOD 2025) with one
 * centroid: each vector is stored as the direction of its residual to the training mean, after
 * a seeded random rotation, quantized to `bits` bits per dimension, plus three float32
 * correction factors. Distances are estimated without decoding, unbiasedly, with an error bound.
 */
export class RaBitQuantizer implements Quantizer {
  readonly pluginId = 'rabitq';
  readonly params: Params;
  private model?: RaBitQModel;

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
    return this.trained().layout.codeSize;
  }

  /** ε₀ of the error bound (the paper's 1.9 makes failures rare). */
  get epsilon(): number {
    return this.params.epsilon as number;
  }

  async fit(train: Vectors, options: FitOptions = {}): Promise<void> {
    assertTrainingSet(train);
    const { count, dim, data } = train;
    if (dim < 2) throw new ReefError('DIMENSION_MISMATCH', `RaBitQ needs dimension ≥ 2 (its error bound divides by √(dim − 1)), got ${dim}`);
    const centroid = new Float64Array(dim);
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) centroid[j] += data[i * dim + j];
    for (let j = 0; j < dim; j++) centroid[j] /= count;
    options.onProgress?.(0.2);
    const rotation = randomOrthogonal(dim, Rng.forPurpose(options.seed ?? 1234, 'rabitq/rotation'));
    this.model = new RaBitQModel(Float32Array.from(centroid), rotation, this.params.bits as number);
    options.onProgress?.(1);
  }

  encode(vectors: Vectors): Uint8Array {
    const model = this.trained();
    assertEncodable(vectors, model.dim);
    const { dim, layout, centroid } = model;
    const codes = new Uint8Array(vectors.count * layout.codeSize);
    // Rotated a block of rows at a time (model.rotateRows: one pass over P for four rows).
    const residuals = new Float64Array(ROTATION_BLOCK * dim);
    const rotated = new Float64Array(ROTATION_BLOCK * dim);
    const norms = new Float64Array(ROTATION_BLOCK);
    const values = new Uint32Array(dim);
    for (let start = 0; start < vectors.count; start += ROTATION_BLOCK) {
      const rows = Math.min(ROTATION_BLOCK, vectors.count - start);
      for (let r = 0; r < rows; r++) {
        const src = (start + r) * dim;
        const dst = r * dim;
        let normSq = 0;
        for (let j = 0; j < dim; j++) {
          const v = vectors.data[src + j] - centroid[j];
          residuals[dst + j] = v;
          normSq += v * v;
        }
        const norm = Math.sqrt(normSq);
        norms[r] = norm;
        if (norm > 0) for (let j = 0; j < dim; j++) residuals[dst + j] /= norm;
      }
      model.rotateRows(residuals, rows, rotated);
      for (let r = 0; r < rows; r++) {
        const offset = (start + r) * layout.codeSize;
        const norm = norms[r];
        if (norm === 0) {
          // The centroid itself: any direction, scaled by 0. ip = 1 keeps the factors valid.
          values.fill(2 ** (model.bits - 1));
          packValues(values, model.bits, codes, offset);
          layout.writeFactors(codes, offset, { norm: 0, rescale: 0, ip: 1 });
          continue;
        }
        const q = quantizeDirection(rotated.subarray(r * dim, (r + 1) * dim), model.bits, values);
        packValues(values, model.bits, codes, offset);
        layout.writeFactors(codes, offset, { norm, rescale: norm / (q.norm * q.ip), ip: q.ip });
      }
    }
    return codes;
  }

  /**
   * Reconstructs c + ‖r‖ · ip · (x/‖x‖) · Pᵀ: the projection of the residual on the codeword
   * direction, the least-squares choice along it. (The estimator's rescaled vector ‖r‖/ip · x/‖x‖
   * is unbiased for inner products but longer than r, so it would decode with a larger error.)
   */
  decode(codes: Uint8Array): Float32Array {
    const model = this.trained();
    const { dim, layout, centroid, valueOffset } = model;
    const count = assertCodes(codes, layout.codeSize);
    const out = new Float32Array(count * dim);
    const values = new Uint32Array(dim);
    const y = new Float64Array(ROTATION_BLOCK * dim);
    const back = new Float64Array(ROTATION_BLOCK * dim);
    const factors = { norm: 0, rescale: 0, ip: 0 };
    for (let start = 0; start < count; start += ROTATION_BLOCK) {
      const rows = Math.min(ROTATION_BLOCK, count - start);
      for (let r = 0; r < rows; r++) {
        const { norm, ip } = layout.readFactors(codes, start + r, factors);
        unpackValues(codes, model.bits, dim, (start + r) * layout.codeSize, values);
        const row = r * dim;
        let xNormSq = 0;
        for (let j = 0; j < dim; j++) {
          const v = values[j] - valueOffset;
          y[row + j] = v;
          xNormSq += v * v;
        }
        const scale = (norm * ip) / Math.sqrt(xNormSq);
        for (let j = 0; j < dim; j++) y[row + j] *= scale;
      }
      model.rotateBackRows(y, rows, back);
      for (let r = 0; r < rows; r++) {
        const o = (start + r) * dim;
        for (let j = 0; j < dim; j++) out[o + j] = back[r * dim + j] + centroid[j];
      }
    }
    return out;
  }

  modelBytes(): number {
    const { centroid, rotation } = this.trained();
    return centroid.byteLength + rotation.byteLength;
  }

  save(): SavedModel {
    const { centroid, rotation, dim } = this.trained();
    return {
      pluginId: this.pluginId,
      apiVersion: 1,
      params: this.params,
      arrays: { centroid: named(centroid), rotation: named(rotation, [dim, dim]) },
      attributes: { dim },
    };
  }

  static load(saved: SavedModel, params: Params): RaBitQuantizer {
    const q = new RaBitQuantizer(params);
    const dim = requireNumber(saved, 'dim', true);
    if (dim < 2) throw new ReefError('BAD_MODEL', `saved RaBitQ model has dimension ${dim}; it needs at least 2`);
    const centroid = requireArray(saved, 'centroid', Float32Array, dim);
    const rotation = requireArray(saved, 'rotation', Float32Array, dim * dim);
    q.model = new RaBitQModel(centroid, rotation, params.bits as number);
    return q;
  }

  /** The estimator for one query: distances for ranking, or estimates with their error bounds. */
  prepare(query: Float32Array, metric: Metric = 'l2'): RaBitQEstimator {
    return prepareEstimator(this.trained(), query, metric, this.epsilon, { query: this.params.query as QueryMode, ranking: this.params.ranking as Ranking, rerank: this.params.rerank as number });
  }

  /** Estimates, not exact distances to decoded vectors: exactOnDecoded is false. */
  get search(): AsymmetricSearch {
    return { metrics: ['l2', 'ip'], exactOnDecoded: false, prepare: (query, metric) => this.prepare(query, metric) };
  }

  private trained(): RaBitQModel {
    if (!this.model) throw new ReefError('NOT_TRAINED', 'RaBitQ quantizer is not trained: call fit() first');
    return this.model;
  }
}
