import { DTYPE_BYTES, PLUGIN_API_VERSION, ReefError, named, requireArray, type DeltaPayload, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { assertSameLayout, headerAttributes, planesFromPayload, planesToPayload, readHeader, sameLayout } from './payload.js';
import { decodeIndexGaps, deflateBytes, encodeIndexGaps, inflateBytes, packPlanesAsync, unpackPlanes } from '@reef/codecs/node';
import { LEVEL_PARAM } from './xor-planes.js';

/**
 * Only the elements whose bit pattern changed: their indices (varint gaps, any tensor size) and
 * their new bytes. Pays when a few rows change (an embedding table, a fine-tuned head); the store
 * measures it against the other types and keeps whichever is smallest.
 */
export const sparse: DeltaTypePlugin = {
  kind: 'delta',
  id: 'sparse',
  label: 'Sparse (index, value)',
  summary: 'indices of changed elements and their new bit patterns (lossless, every dtype)',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [LEVEL_PARAM],
  supports: sameLayout,
  // Not `async`: a mismatched reference is refused at the call, before any work is queued.
  encode(target: Tensor, reference: Tensor, options): Promise<DeltaPayload> {
    assertSameLayout('sparse', target, reference);
    const width = DTYPE_BYTES[target.dtype];
    const level = Number(options?.params?.level ?? LEVEL_PARAM.default);
    const changed: number[] = [];
    const n = target.data.length / width;
    for (let i = 0; i < n; i++) {
      for (let k = i * width, end = k + width; k < end; k++) {
        if (target.data[k] !== reference.data[k]) {
          changed.push(i);
          break;
        }
      }
    }
    const values = new Uint8Array(changed.length * width);
    changed.forEach((index, j) => values.set(target.data.subarray(index * width, (index + 1) * width), j * width));
    return packPlanesAsync(values, width, level, target.dtype).then((packed) => {
      const planes = planesToPayload('values', packed);
      return {
        arrays: { ...planes.arrays, indices: named(deflateBytes(encodeIndexGaps(changed), level)) },
        attributes: { ...headerAttributes('sparse', target), ...planes.attributes, changed: changed.length },
      };
    });
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const { dtype, shape, bytes } = readHeader('sparse', payload, reference);
    const width = DTYPE_BYTES[dtype];
    const count = Number(payload.attributes.changed);
    if (!Number.isInteger(count) || count < 0) throw new ReefError('BAD_MODEL', `sparse payload has invalid change count ${String(payload.attributes.changed)}`);
    const indices = decodeIndexGaps(inflateBytes(requireArray(payload, 'indices', Uint8Array)), count, bytes / width);
    const values = unpackPlanes(planesFromPayload('values', payload), width, count * width, dtype);
    const data = new Uint8Array(reference.data);
    indices.forEach((index, j) => data.set(values.subarray(j * width, (j + 1) * width), index * width));
    return { dtype, shape, data };
  },
};
