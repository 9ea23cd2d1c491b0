import type { DeltaPayload } from '../delta.js';
import { ReefError } from '../errors.js';
import type { Attributes } from '../portable.js';
import { assertTensor, type Tensor } from '../tensor.js';
import { sameShape } from './validate.js';

/**
 * Every payload names its type, format version, dtype and shape, so decoding against the wrong
 * reference, or a payload of another type, fails with a clear message instead of garbage.
 */
export const LOSSY_FORMAT_VERSION = 1;

export function headerAttributes(typeId: string, target: Tensor): Attributes {
  return { delta_type: typeId, format_version: LOSSY_FORMAT_VERSION, dtype: target.dtype, shape: [...target.shape] };
}

/** Checks the payload header against the reference; returns the element count. */
export function assertPayloadFits(typeId: string, payload: DeltaPayload, reference: Tensor): number {
  const n = assertTensor(reference, `${typeId} reference`);
  const a = payload?.attributes;
  if (!a || a.delta_type !== typeId) {
    throw new ReefError('BAD_MODEL', `payload is not a ${typeId} delta (delta_type ${JSON.stringify(a?.delta_type)})`);
  }
  if (a.format_version !== LOSSY_FORMAT_VERSION) {
    throw new ReefError('BAD_MODEL', `${typeId} payload has format_version ${JSON.stringify(a.format_version)}; this plugin reads ${LOSSY_FORMAT_VERSION}`);
  }
  const shape = a.shape;
  if (a.dtype !== reference.dtype || !Array.isArray(shape) || !sameShape(shape as number[], reference.shape)) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `${typeId} payload was encoded for ${JSON.stringify(a.dtype)} [${Array.isArray(shape) ? shape.join(', ') : shape}], but the reference is ${reference.dtype} [${reference.shape.join(', ')}]`,
    );
  }
  return n;
}
