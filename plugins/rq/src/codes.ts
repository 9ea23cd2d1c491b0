import { ReefError } from '@reef/core';
import { packRows, unpackValues } from '@reef/kernels';

/**
 * Code layout: the L stage indices of a vector, nbits each, packed least significant bit first
 * (FAISS's layout; @reef/kernels' packRows) into ceil(L·nbits / 8) bytes. Unused high bits of the
 * last byte must be zero; anything else is reported as corrupt rather than silently ignored.
 */
export function packCodes(indices: Int32Array, n: number, stages: number, nbits: number): Uint8Array {
  return packRows(indices, n, stages, nbits);
}

/** Unpacks the stage indices of code `i` into `out` (length L), checking its padding bits. */
export function unpackCode(codes: Uint8Array, i: number, stages: number, nbits: number, codeSize: number, out: Uint32Array<ArrayBuffer>): Uint32Array {
  const offset = i * codeSize;
  const usedBits = stages * nbits;
  const spare = codeSize * 8 - usedBits;
  if (spare > 0 && codes[offset + codeSize - 1] >> (8 - spare) !== 0) {
    throw new ReefError(
      'BAD_CODES',
      `code ${i} has non-zero padding bits (last byte ${codes[offset + codeSize - 1]}); it was not written by this RQ (${stages} stages × ${nbits} bits)`,
    );
  }
  return unpackValues(codes, nbits, stages, offset, out);
}
