import { DTYPE_BYTES, ReefError, requireArray, requireNumber, type DeltaPayload, type DeltaTypePlugin, type NumericArray, type Tensor } from '@reef/core';
import { decodeIndexGaps, encodeIndexGaps } from '@reef/codecs';
import { defineLossyDeltaType, tensorToFloat64 } from '@reef/core/delta';

/**
 * sparse-threshold: keeps only the entries whose delta is large (|delta| > threshold, at most a
 * fraction of them, largest first) and stores the target's own values there, bit for bit. Kept
 * entries decode exactly; every dropped entry takes the reference value, off by at most its delta.
 */
export function createSparseThresholdDeltaType(): DeltaTypePlugin {
  return defineLossyDeltaType({
    id: 'sparse-threshold',
    label: 'Sparse threshold delta',
    summary: 'Keeps delta entries above a threshold (or the largest fraction), exact where kept, reference elsewhere',
    params: [
      { name: 'threshold', type: 'float', default: 0, min: 0, description: 'keep entries with |target − reference| above this' },
      {
        name: 'keep_fraction',
        type: 'float',
        default: 1,
        min: 0,
        max: 1,
        description: 'keep at most this fraction of all entries (the largest |delta| first)',
      },
      { name: 'index_coding', type: 'enum', values: ['varint', 'uint32'], default: 'varint', description: 'kept indices as gap varints or plain uint32' },
    ],
    presets: [{ keep_fraction: 0.25 }, { keep_fraction: 0.1 }, { keep_fraction: 0.03 }],
    encodeBody({ target, delta, params }) {
      const kept = selectEntries(delta, params.threshold as number, params.keep_fraction as number);
      const coding = params.index_coding as string;
      if (coding === 'uint32' && delta.length > 2 ** 32) {
        throw new ReefError('INVALID_PARAM', `sparse-threshold index_coding uint32 cannot address ${delta.length} elements; use varint`);
      }
      const indices = coding === 'uint32' ? Uint32Array.from(kept) : encodeIndexGaps(kept);
      const values = gatherBits(target, kept);
      return {
        arrays: { indices: { data: indices, shape: [indices.length] }, values: { data: values, shape: [values.length] } },
        attributes: { kept: kept.length, index_coding: coding },
      };
    },
    decodeValues(payload, referenceValues, reference) {
      const count = requireNumber(payload, 'kept', true);
      const indices = readIndices(payload, count, referenceValues.length);
      const kept = keptValues(payload, reference, count);
      const out = Float64Array.from(referenceValues);
      for (let i = 0; i < count; i++) out[indices[i]] = kept[i];
      return out;
    },
  });
}

/** Ascending indices of the entries to keep. */
export function selectEntries(delta: Float64Array, threshold: number, keepFraction: number): number[] {
  const limit = Math.floor(keepFraction * delta.length);
  let count = 0;
  for (let i = 0; i < delta.length; i++) if (Math.abs(delta[i]) > threshold) count++;
  let cutoff = threshold;
  let tiesAllowed = 0;
  if (count > limit) {
    // The limit-th largest magnitude (a native numeric sort, no comparator): keep everything above
    // it, then entries equal to it in index order until the limit, so the choice is deterministic.
    const magnitudes = new Float64Array(delta.length);
    for (let i = 0; i < delta.length; i++) magnitudes[i] = Math.abs(delta[i]);
    magnitudes.sort();
    if (limit === 0) return [];
    cutoff = magnitudes[delta.length - limit];
    let above = 0;
    for (let i = 0; i < delta.length; i++) if (Math.abs(delta[i]) > cutoff) above++;
    tiesAllowed = limit - above;
  }
  const kept: number[] = [];
  for (let i = 0; i < delta.length; i++) {
    const m = Math.abs(delta[i]);
    if (m > cutoff) kept.push(i);
    else if (m === cutoff && tiesAllowed > 0 && m > threshold) {
      kept.push(i);
      tiesAllowed--;
    }
  }
  return kept;
}

/** The target's bit patterns at the kept indices, in the dtype's natural array. */
function gatherBits(target: Tensor, kept: readonly number[]): NumericArray {
  const width = DTYPE_BYTES[target.dtype];
  const bytes = new Uint8Array(kept.length * width);
  kept.forEach((index, k) => bytes.set(target.data.subarray(index * width, (index + 1) * width), k * width));
  switch (target.dtype) {
    case 'f64': return new Float64Array(bytes.buffer);
    case 'f32': return new Float32Array(bytes.buffer);
    default: return new Uint16Array(bytes.buffer); // f16, bf16: bit patterns
  }
}

function keptValues(payload: DeltaPayload, reference: Tensor, count: number): Float64Array {
  let data: NumericArray;
  switch (reference.dtype) {
    case 'f64': data = requireArray(payload, 'values', Float64Array, count); break;
    case 'f32': data = requireArray(payload, 'values', Float32Array, count); break;
    default: data = requireArray(payload, 'values', Uint16Array, count);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return tensorToFloat64({ dtype: reference.dtype, shape: [count], data: bytes });
}

function readIndices(payload: DeltaPayload, count: number, limit: number): ArrayLike<number> {
  if (payload.attributes.index_coding === 'uint32') {
    const indices = requireArray(payload, 'indices', Uint32Array, count);
    for (let i = 0; i < count; i++) {
      if (indices[i] >= limit) throw new ReefError('BAD_MODEL', `index ${indices[i]} is out of range for ${limit} elements`);
    }
    return indices;
  }
  return decodeIndexGaps(requireArray(payload, 'indices', Uint8Array), count, limit);
}
