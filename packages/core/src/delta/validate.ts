import { ReefError } from '../errors.js';
import { assertTensor, isFloatDType, type Tensor } from '../tensor.js';

/**
 * Input checks shared by the lossy delta types. A lossy delta is only meaningful between two
 * finite float tensors of the same dtype and shape; anything else is refused with a message
 * naming the offending value, never silently approximated.
 */

/** Why a lossy type cannot encode `target` against `reference`, or undefined if it can. */
export function lossyUnsupportedReason(target: Tensor, reference: Tensor): string | undefined {
  if (target.dtype !== reference.dtype) {
    return `target dtype ${target.dtype} differs from reference dtype ${reference.dtype}`;
  }
  if (!sameShape(target.shape, reference.shape)) {
    return `target shape [${target.shape.join(', ')}] differs from reference shape [${reference.shape.join(', ')}]`;
  }
  if (!isFloatDType(target.dtype)) {
    return `lossy deltas apply to float dtypes (f64, f32, f16, bf16), not ${target.dtype}`;
  }
  return undefined;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** Checks both tensors and that the type supports them; returns the element count. */
export function assertLossyInputs(typeId: string, target: Tensor, reference: Tensor): number {
  const n = assertTensor(target, `${typeId} target`);
  assertTensor(reference, `${typeId} reference`);
  const reason = lossyUnsupportedReason(target, reference);
  if (reason) {
    const code = target.dtype !== reference.dtype || !sameShape(target.shape, reference.shape) ? 'DIMENSION_MISMATCH' : 'UNSUPPORTED';
    throw new ReefError(code, `${typeId} cannot encode this tensor: ${reason}`);
  }
  return n;
}

/**
 * target − reference in float64, refusing NaN or ±Inf anywhere in it: a lossy code cannot
 * approximate them, and its error would be meaningless.
 */
export function finiteDelta(typeId: string, target: Float64Array, reference: Float64Array): Float64Array {
  const delta = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const d = target[i] - reference[i];
    if (!Number.isFinite(d)) {
      throw new ReefError(
        'NON_FINITE',
        `${typeId} cannot encode a non-finite delta: element ${i} is target ${target[i]} − reference ${reference[i]} = ${d}; store this tensor losslessly`,
      );
    }
    delta[i] = d;
  }
  return delta;
}
