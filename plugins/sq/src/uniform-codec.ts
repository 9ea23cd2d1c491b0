import { named, type CodeDistances, type Metric, type NamedArray } from '@reef/core';
import { distanceOutput, type Codec } from './codec.js';
import { packCodes, packedSize, unpackCodes } from './packing.js';

/**
 * Codes on a uniform grid per dimension (see UniformGrid for the grid): `bits` bits per dimension,
 * bit-packed. `lower`/`upper` hold one range per dimension, or a single range shared by all.
 */
export class UniformCodec implements Codec {
  readonly codeSize: number;
  private readonly levels: number;
  private readonly lowerByDim: Float64Array;
  private readonly inverseStep: Float64Array;
  /** levelValues[d·levels + c]: the float32 value code c decodes to in dimension d. */
  private readonly levelValues: Float32Array;

  constructor(
    readonly dim: number,
    readonly bits: number,
    readonly lower: Float32Array,
    readonly upper: Float32Array,
  ) {
    this.levels = 2 ** bits;
    this.codeSize = packedSize(dim, bits);
    this.lowerByDim = new Float64Array(dim);
    this.inverseStep = new Float64Array(dim);
    this.levelValues = new Float32Array(dim * this.levels);
    const shared = lower.length === 1;
    for (let d = 0; d < dim; d++) {
      const lo = shared ? lower[0] : lower[d];
      const hi = shared ? upper[0] : upper[d];
      const step = (hi - lo) / (this.levels - 1);
      this.lowerByDim[d] = lo;
      // A constant dimension (lo = hi) encodes to 0 and decodes exactly.
      this.inverseStep[d] = step > 0 ? 1 / step : 0;
      for (let c = 0; c < this.levels; c++) this.levelValues[d * this.levels + c] = lo + c * step;
    }
  }

  encode(data: Float32Array, count: number, out: Uint8Array): void {
    const { dim, levels, lowerByDim, inverseStep } = this;
    const top = levels - 1;
    const values = new Uint8Array(dim);
    for (let i = 0; i < count; i++) {
      const base = i * dim;
      for (let d = 0; d < dim; d++) {
        const c = Math.floor((data[base + d] - lowerByDim[d]) * inverseStep[d] + 0.5); // nearest level
        values[d] = c < 0 ? 0 : c > top ? top : c;
      }
      packCodes(values, dim, this.bits, out, i * this.codeSize);
    }
  }

  decode(codes: Uint8Array, count: number, out: Float32Array): void {
    const { dim, levels, levelValues } = this;
    const values = new Uint8Array(dim);
    for (let i = 0; i < count; i++) {
      unpackCodes(codes, i * this.codeSize, dim, this.bits, values);
      const base = i * dim;
      for (let d = 0; d < dim; d++) out[base + d] = levelValues[d * levels + values[d]];
    }
  }

  /**
   * One table entry per (dimension, level): the squared difference (l2) or the product (ip) of the
   * query component with the level's decoded value. A code's distance is then the sum of one table
   * read per dimension, equal to the distance to its decoded vector up to summation order.
   */
  prepare(query: Float32Array, metric: Metric): CodeDistances {
    const { dim, levels, levelValues, codeSize, bits } = this;
    const table = new Float64Array(dim * levels);
    for (let d = 0; d < dim; d++) {
      const q = query[d];
      for (let c = 0; c < levels; c++) {
        const v = levelValues[d * levels + c];
        table[d * levels + c] = metric === 'l2' ? (q - v) * (q - v) : q * v;
      }
    }
    const values = new Uint8Array(dim);
    return {
      distances(codes: Uint8Array, out?: Float32Array): Float32Array {
        const count = Math.floor(codes.length / codeSize);
        const result = distanceOutput(count, out);
        for (let i = 0; i < count; i++) {
          const offset = i * codeSize;
          let sum = 0;
          if (bits === 8) {
            for (let d = 0; d < dim; d++) sum += table[d * 256 + codes[offset + d]];
          } else {
            unpackCodes(codes, offset, dim, bits, values);
            for (let d = 0; d < dim; d++) sum += table[d * levels + values[d]];
          }
          result[i] = sum;
        }
        return result;
      },
    };
  }

  arrays(): Record<string, NamedArray> {
    return { lower: named(this.lower), upper: named(this.upper) };
  }
}
