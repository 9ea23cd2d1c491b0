import { ReefError } from '@reef/core';

/** The size columns of docs/metrics.md. */
export interface SizeMetrics {
  /** `code_bytes`: bytes stored per vector, everything included. */
  readonly codeBytes: number;
  readonly bitsPerVector: number;
  /** `model_bytes`: what `save()` stores (codebooks, rotations, ranges). */
  readonly modelBytes: number;
  /** `compression_codes`: float32 bytes per vector over code bytes per vector, `4d / C`. */
  readonly compressionCodes: number;
  /** `compression_total`: `4dN / (C·N + model_bytes)`, so a big model on a small set is not flattered. */
  readonly compressionTotal: number;
}

export function sizeMetrics(count: number, dim: number, codeBytes: number, modelBytes: number): SizeMetrics {
  if (!(codeBytes > 0)) throw new ReefError('INVALID_PARAM', `code size must be positive to compute compression, got ${codeBytes} bytes`);
  if (!(modelBytes >= 0)) throw new ReefError('INVALID_PARAM', `model size must be zero or more bytes, got ${modelBytes}`);
  const rawBytes = count * dim * 4;
  return {
    codeBytes,
    bitsPerVector: codeBytes * 8,
    modelBytes,
    compressionCodes: (dim * 4) / codeBytes,
    compressionTotal: rawBytes / (count * codeBytes + modelBytes),
  };
}
