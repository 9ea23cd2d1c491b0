import { createHash } from 'node:crypto';
import { ReefError, elementCount, isFloatDType, type Tensor } from '@reef/core';
import { fromFloat64, toFloat64 } from './dtypes.js';

/** `ObjectInfo.kind` of a cluster centroid: a stored reference tensor that no file contains. */
export const CENTROID_KIND = 'centroid';

/**
 * Content address of a centroid: sha256 over "centroid", dtype, shape and bytes. A user tensor's
 * address starts with its dtype name instead, and "centroid" is no dtype, so the two preimages can
 * never be equal: a centroid cannot take the place of a user tensor with the same bytes, and gc
 * keeps it only while some member refers to it.
 */
export function centroidHash(t: Tensor): string {
  return createHash('sha256').update(`${CENTROID_KIND}\n${t.dtype}\n${JSON.stringify(t.shape)}\n`).update(t.data).digest('hex');
}

/**
 * Element-wise mean of same-dtype, same-shape float tensors, rounded to their dtype: the point that
 * minimises the summed squared distance to the members, so their deltas against it are small.
 * Non-finite elements average to NaN or ±Inf, which lossless delta types still encode exactly.
 */
export function meanTensor(members: readonly Tensor[]): Tensor {
  if (members.length === 0) throw new ReefError('INVALID_PARAM', 'a centroid needs at least one member');
  const { dtype, shape } = members[0];
  if (!isFloatDType(dtype)) throw new ReefError('UNSUPPORTED', `cannot build a centroid of ${dtype} tensors: only float tensors are clustered`);
  for (const m of members) {
    if (m.dtype !== dtype || JSON.stringify(m.shape) !== JSON.stringify(shape)) {
      throw new ReefError('INVALID_PARAM', `cannot average ${m.dtype} [${m.shape.join(', ')}] with ${dtype} [${shape.join(', ')}]: cluster members need one dtype and shape`);
    }
  }
  const sum = new Float64Array(elementCount(shape));
  for (const m of members) {
    const v = toFloat64(m);
    for (let i = 0; i < sum.length; i++) sum[i] += v[i];
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= members.length;
  return fromFloat64(dtype, shape, sum);
}
