import type { CodeDistances, Metric, NamedArray } from '@reef/core';
import { distanceOutput, type Codec } from './codec.js';
import { decodeTable, float32BitsToBf16Bits, float32BitsToHalfBits } from '@reef/codecs';
import { encodeKernels, sqKernels, wasmEncode, wasmScan, type EncodeSpec, type WasmScanPlan } from './wasm.js';

/** Each component cast to fp16 or bf16, two little-endian bytes per dimension; nothing trained. */
export class FloatCodec implements Codec {
  readonly codeSize: number;
  private readonly toBits: (float32Bits: number) => number;
  private readonly table: Float32Array;

  constructor(
    readonly dim: number,
    readonly kind: 'fp16' | 'bf16',
    /** Encode and scan with the WASM SIMD kernels where available; false forces the JS loops. */
    private readonly useWasm = true,
  ) {
    this.codeSize = 2 * dim;
    this.toBits = kind === 'fp16' ? float32BitsToHalfBits : float32BitsToBf16Bits;
    this.table = decodeTable(kind);
  }

  encode(data: Float32Array, count: number, out: Uint8Array): boolean {
    const n = count * this.dim;
    const simd = this.useWasm ? encodeKernels() : null;
    if (simd) return wasmEncode(simd, this.encodeSpec(), data, count, out);
    const words = new Uint32Array(data.buffer, data.byteOffset, n); // the float32 bit patterns
    const toBits = this.toBits;
    for (let i = 0; i < n; i++) {
      const bits = toBits(words[i]);
      out[2 * i] = bits & 0xff;
      out[2 * i + 1] = bits >>> 8;
    }
    return false;
  }

  encodeSpec(): EncodeSpec {
    return { kind: this.kind, dim: this.dim, codeSize: this.codeSize };
  }

  decode(codes: Uint8Array, count: number, out: Float32Array): void {
    const n = count * this.dim;
    const table = this.table;
    for (let i = 0; i < n; i++) out[i] = table[codes[2 * i] | (codes[2 * i + 1] << 8)];
  }

  /**
   * WASM SIMD: widens and converts eight codes per instruction group. JavaScript fallback: decodes
   * component by component through the 65536-entry table. Either way, no decoded vector is built.
   */
  prepare(query: Float32Array, metric: Metric): CodeDistances {
    const { dim, codeSize, table } = this;
    const simd = this.useWasm ? sqKernels() : null;
    if (simd) {
      const plan: WasmScanPlan = { dim, codeSize, kind: this.kind === 'fp16' ? 'f16' : 'bf16', metric, first: Float32Array.from(query), constant: 0 };
      return {
        distances(codes: Uint8Array, out?: Float32Array): Float32Array {
          const count = Math.floor(codes.length / codeSize);
          const result = distanceOutput(count, out);
          wasmScan(simd, plan, codes, count, result);
          return result;
        },
      };
    }
    const q = Float64Array.from(query);
    return {
      distances(codes: Uint8Array, out?: Float32Array): Float32Array {
        const count = Math.floor(codes.length / codeSize);
        const result = distanceOutput(count, out);
        for (let i = 0; i < count; i++) {
          const offset = i * codeSize;
          let sum = 0;
          if (metric === 'l2') {
            for (let d = 0; d < dim; d++) {
              const diff = q[d] - table[codes[offset + 2 * d] | (codes[offset + 2 * d + 1] << 8)];
              sum += diff * diff;
            }
          } else {
            for (let d = 0; d < dim; d++) sum += q[d] * table[codes[offset + 2 * d] | (codes[offset + 2 * d + 1] << 8)];
          }
          result[i] = sum;
        }
        return result;
      },
    };
  }

  arrays(): Record<string, NamedArray> {
    return {};
  }
}
