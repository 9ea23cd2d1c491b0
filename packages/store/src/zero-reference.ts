import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import type { DType, Tensor } from '@reef/core';

/**
 * The `reference` a lossy delta records when it was encoded against an implicit all-zero tensor:
 * what a lossy commit uses for a float tensor with no usable reference (the first commit, a new
 * tensor nothing similar is stored for), so the bound applies there too. No object stores it (all
 * zero bytes are +0 in every float dtype, so decoders rebuild it from dtype and shape); it cannot
 * collide with a content hash (64 hex digits). Readers before it fail on such objects with "object
 * zero is not in the repository".
 */
export const ZERO_REFERENCE = 'zero';

/** The all-zero tensor of `dtype` and `shape`, over `buffer` when one at least that large is given. */
export function zeroTensor(dtype: DType, shape: readonly number[], buffer?: Uint8Array): Tensor {
  const bytes = elementCount(shape) * DTYPE_BYTES[dtype];
  return { dtype, shape: [...shape], data: buffer && buffer.length >= bytes ? buffer.subarray(0, bytes) : new Uint8Array(bytes) };
}
