import { DTYPE_BYTES, PLUGIN_API_VERSION, ReefError, named, requireArray, type DeltaPayload, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { assertSameLayout, headerAttributes, planesFromPayload, planesToPayload, readHeader, sameLayout } from './payload.js';
import { decodeIndexGaps, deflateBytes, encodeIndexGaps, inflateBytes, packPlanesAsync, unpackPlanes } from '@reef/codecs/zlib';
import { LEVEL_PARAM } from './xor-planes.js';

/**
 * `sparse` stores every changed element's new bits plus its index, so it pays only when few
 * elements change. Measured (f32, 64k elements, steps of 0.1–1% of the weights' scale, bench notes
 * in bench/store/RESULTS.md): it stops beating xor-planes at 30–50% of elements changed and is
 * 1.2–1.5x larger from 70% up; SGD changes every weight every epoch (100%), where its trial was the
 * most expensive one (a JS loop per element) and never won. So it is not worth trying above 2/3
 * changed, judged on a strided sample of elements (±1.5% at 4,096).
 */
const SPARSE_MAX_CHANGED = 2 / 3;
const SCREEN_ELEMENTS = 4096;

/** Fraction of elements whose bit pattern differs from the reference, on evenly strided elements. */
export function changedFraction(target: Tensor, reference: Uint8Array): number {
  const w = DTYPE_BYTES[target.dtype];
  const n = target.data.length / w;
  const m = Math.min(n, SCREEN_ELEMENTS);
  if (m === 0) return 0;
  let changed = 0;
  for (let k = 0; k < m; k++) {
    const at = Math.floor((k * n) / m) * w;
    for (let b = at; b < at + w; b++) {
      if (target.data[b] !== reference[b]) {
        changed++;
        break;
      }
    }
  }
  return changed / m;
}

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
  /** The contract's cheap hint: worth a trial only where at most 2/3 of the elements changed. */
  worthTrying: (target: Tensor, reference: Tensor): boolean => changedFraction(target, reference.data) <= SPARSE_MAX_CHANGED,
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
