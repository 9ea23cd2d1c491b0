import { ReefError } from '@reef/core';
import { packedBytes } from '@reef/kernels';

/**
 * One RaBitQ code: dim values of `bits` bits, packed least significant bit first, then three
 * little-endian float32 correction factors:
 *   norm    ‖o − c‖, the distance of the vector to the centroid;
 *   rescale ‖o − c‖ / (‖x‖ · ip), turning ⟨x, q'⟩ into the unbiased estimate of ⟨o − c, q⟩;
 *   ip      ⟨x/‖x‖, o'⟩, the cosine between codeword and rotated unit residual (error bound, decode).
 */
export const FACTOR_BYTES = 12;

export interface Factors {
  norm: number;
  rescale: number;
  ip: number;
}

export class CodeLayout {
  /** Bytes of the packed values. */
  readonly valueBytes: number;
  /** Bytes per code: values plus correction factors. */
  readonly codeSize: number;

  constructor(
    readonly dim: number,
    readonly bits: number,
  ) {
    this.valueBytes = packedBytes(dim, bits);
    this.codeSize = this.valueBytes + FACTOR_BYTES;
  }

  writeFactors(codes: Uint8Array, offset: number, f: Factors): void {
    const view = new DataView(codes.buffer, codes.byteOffset + offset + this.valueBytes, FACTOR_BYTES);
    view.setFloat32(0, f.norm, true);
    view.setFloat32(4, f.rescale, true);
    view.setFloat32(8, f.ip, true);
  }

  /** A view of a whole code array for readFactors: one per scan, not one per code (allocations dominated the scan). */
  view(codes: Uint8Array): DataView {
    return new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
  }

  /** Reads and checks the factors of code `index`; corrupt values are refused, not decoded. */
  readFactors(codes: Uint8Array, index: number, out: Factors, view: DataView = this.view(codes)): Factors {
    const at = index * this.codeSize + this.valueBytes;
    out.norm = view.getFloat32(at, true);
    out.rescale = view.getFloat32(at + 4, true);
    out.ip = view.getFloat32(at + 8, true);
    // Written values satisfy norm ≥ 0, rescale ≥ 0 and 0 < ip ≤ 1 (a tiny float slack allowed).
    if (!(out.norm >= 0 && out.norm < Infinity && out.rescale >= 0 && out.rescale < Infinity && out.ip > 0 && out.ip <= 1 + 1e-5)) {
      throw new ReefError(
        'BAD_CODES',
        `RaBitQ code ${index} is corrupt: correction factors norm=${out.norm}, rescale=${out.rescale}, ip=${out.ip} (need norm ≥ 0, rescale ≥ 0, 0 < ip ≤ 1)`,
      );
    }
    return out;
  }
}
