import {
  ReefError,
  assertCodes,
  assertEncodable,
  assertQuery,
  assertTrainingSet,
  named,
  requireArray,
  type AsymmetricSearch,
  type CodeDistances,
  type FitOptions,
  type Metric,
  type Params,
  type Quantizer,
  type SavedModel,
  type Vectors,
} from '@reef/core';
import { packedBytes, packValues, unpackValues } from '@reef/kernels';

/**
 * One bit per dimension: whether a component is above the training mean. Decoding puts each
 * component at mean ± (mean absolute deviation on that side), the centroid of each half, which is
 * the best reconstruction a 1-bit code per dimension can give under squared error. Codes are the
 * bits packed by @reef/kernels (least significant bit first), ⌈dim / 8⌉ bytes per vector.
 */
export class SignQuantizer implements Quantizer {
  readonly pluginId = 'sign';
  readonly params: Params;
  private mean?: Float32Array;
  private low?: Float32Array; // reconstruction for bit 0
  private high?: Float32Array; // reconstruction for bit 1

  constructor(params: Params) {
    this.params = params;
  }

  get isTrained(): boolean {
    return this.mean !== undefined;
  }

  get dim(): number {
    return this.trained().mean.length;
  }

  get codeSize(): number {
    return packedBytes(this.dim, 1);
  }

  async fit(train: Vectors, _options: FitOptions = {}): Promise<void> {
    assertTrainingSet(train);
    const { count, dim, data } = train;
    const mean = new Float64Array(dim);
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
    for (let j = 0; j < dim; j++) mean[j] /= count;
    const sums = [new Float64Array(dim), new Float64Array(dim)];
    const counts = [new Float64Array(dim), new Float64Array(dim)];
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < dim; j++) {
        const side = data[i * dim + j] > mean[j] ? 1 : 0;
        sums[side][j] += data[i * dim + j];
        counts[side][j]++;
      }
    }
    // An empty side (constant dimension) reconstructs at the mean.
    const centroid = (side: 0 | 1) => Float32Array.from(mean, (m, j) => (counts[side][j] ? sums[side][j] / counts[side][j] : m));
    this.mean = Float32Array.from(mean);
    this.low = centroid(0);
    this.high = centroid(1);
  }

  encode(vectors: Vectors): Uint8Array {
    const { mean } = this.trained();
    assertEncodable(vectors, mean.length);
    const dim = mean.length;
    const size = this.codeSize;
    const codes = new Uint8Array(vectors.count * size);
    const bits = new Uint8Array(dim);
    for (let i = 0; i < vectors.count; i++) {
      for (let j = 0; j < dim; j++) bits[j] = vectors.data[i * dim + j] > mean[j] ? 1 : 0;
      packValues(bits, 1, codes, i * size);
    }
    return codes;
  }

  decode(codes: Uint8Array): Float32Array {
    const { low, high } = this.trained();
    const size = this.codeSize;
    const count = assertCodes(codes, size);
    const dim = low.length;
    const out = new Float32Array(count * dim);
    const bits = new Uint8Array(dim);
    for (let i = 0; i < count; i++) {
      unpackValues(codes, 1, dim, i * size, bits);
      for (let j = 0; j < dim; j++) out[i * dim + j] = bits[j] ? high[j] : low[j];
    }
    return out;
  }

  modelBytes(): number {
    const { mean, low, high } = this.trained();
    return mean.byteLength + low.byteLength + high.byteLength;
  }

  save(): SavedModel {
    const { mean, low, high } = this.trained();
    return {
      pluginId: this.pluginId,
      apiVersion: 1,
      params: this.params,
      arrays: { mean: named(mean), low: named(low), high: named(high) },
      attributes: { dim: mean.length },
    };
  }

  static load(saved: SavedModel): SignQuantizer {
    const q = new SignQuantizer(saved.params);
    q.mean = requireArray(saved, 'mean', Float32Array);
    const dim = q.mean.length;
    q.low = requireArray(saved, 'low', Float32Array, dim);
    q.high = requireArray(saved, 'high', Float32Array, dim);
    return q;
  }

  /** Asymmetric search: per dimension, the query's contribution for bit 0 and for bit 1. */
  get search(): AsymmetricSearch {
    return {
      metrics: ['l2', 'ip'],
      exactOnDecoded: true,
      prepare: (query: Float32Array, metric: Metric): CodeDistances => {
        const { low, high } = this.trained();
        assertQuery(query, low.length);
        const dim = low.length;
        const term = (r: number, j: number) => (metric === 'l2' ? (query[j] - r) ** 2 : query[j] * r);
        let base = 0;
        const gain = new Float32Array(dim); // added when the bit is set
        for (let j = 0; j < dim; j++) {
          base += term(low[j], j);
          gain[j] = term(high[j], j) - term(low[j], j);
        }
        const size = this.codeSize;
        const bits = new Uint8Array(dim);
        return {
          distances: (codes: Uint8Array, out?: Float32Array): Float32Array => {
            const count = assertCodes(codes, size);
            const result = out ?? new Float32Array(count);
            for (let i = 0; i < count; i++) {
              unpackValues(codes, 1, dim, i * size, bits);
              let s = base;
              for (let j = 0; j < dim; j++) if (bits[j]) s += gain[j];
              result[i] = s;
            }
            return result;
          },
        };
      },
    };
  }

  private trained(): { mean: Float32Array; low: Float32Array; high: Float32Array } {
    if (!this.mean || !this.low || !this.high) {
      throw new ReefError('NOT_TRAINED', `${this.pluginId} quantizer is not trained: call fit() first`);
    }
    return { mean: this.mean, low: this.low, high: this.high };
  }
}
