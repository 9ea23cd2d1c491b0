import { createHash } from 'node:crypto';
import { ReefError } from '@reef/core/errors';
import { elementCount, isFloatDType } from '@reef/core/tensor';
import type { Tensor } from '@reef/core';
import { float64ToTensor, toFloat64 } from '@reef/codecs';
import { CENTROID_KIND } from './object-format.js';

export { CENTROID_KIND };

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
 * Element-wise mean of same-dtype, same-shape float tensors, added one at a time so a cluster of
 * large tensors never sits in memory all at once; rounded to their dtype at the end. The mean
 * minimises the summed squared distance to the members, so their deltas against it are small.
 * Non-finite elements average to NaN or ±Inf, which lossless delta types still encode exactly.
 */
export class MeanAccumulator {
  private sum?: Float64Array;
  private first?: Tensor;
  private count = 0;

  add(t: Tensor): void {
    const first = (this.first ??= t);
    if (!isFloatDType(t.dtype)) throw new ReefError('UNSUPPORTED', `cannot build a centroid of ${t.dtype} tensors: only float tensors are clustered`);
    if (t.dtype !== first.dtype || JSON.stringify(t.shape) !== JSON.stringify(first.shape)) {
      throw new ReefError('INVALID_PARAM', `cannot average ${t.dtype} [${t.shape.join(', ')}] with ${first.dtype} [${first.shape.join(', ')}]: cluster members need one dtype and shape`);
    }
    const sum = (this.sum ??= new Float64Array(elementCount(first.shape)));
    const v = toFloat64(t);
    for (let i = 0; i < sum.length; i++) sum[i] += v[i];
    this.count++;
  }

  result(): Tensor {
    if (!this.sum || !this.first) throw new ReefError('INVALID_PARAM', 'a centroid needs at least one member');
    const mean = this.sum.map((x) => x / this.count);
    return float64ToTensor(mean, this.first.dtype, this.first.shape);
  }
}

/** The mean of tensors already in memory (see MeanAccumulator). */
export function meanTensor(members: readonly Tensor[]): Tensor {
  const acc = new MeanAccumulator();
  for (const m of members) acc.add(m);
  return acc.result();
}
