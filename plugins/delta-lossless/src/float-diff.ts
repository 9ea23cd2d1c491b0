import { DTYPE_BYTES, PLUGIN_API_VERSION, requireArray, named, type DeltaPayload, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { assertSameLayout, headerAttributes, planesFromPayload, planesToPayload, readHeader, sameLayout } from './payload.js';
import { borrowScratch, decodeIndexGaps, deflateBytes, encodeIndexGaps, inflateBytes, packPlanesAsync, returnScratch, unpackPlanes } from '@reef/codecs/zlib';
import { LEVEL_PARAM } from './xor-planes.js';

/**
 * Float view of `bytes` (read only): over the same memory when aligned, else over an aligned copy
 * (a Node Buffer view may start anywhere); f32 and f64 only (the dtypes with native arithmetic).
 */
function floatView(dtype: 'f32' | 'f64', bytes: Uint8Array): Float32Array | Float64Array {
  const width = DTYPE_BYTES[dtype];
  const src = bytes.byteOffset % width === 0 ? bytes : new Uint8Array(bytes);
  const n = src.length / width;
  return dtype === 'f32' ? new Float32Array(src.buffer, src.byteOffset, n) : new Float64Array(src.buffer, src.byteOffset, n);
}

function bitsEqual(a: Uint8Array, ai: number, b: Uint8Array, bi: number, width: number): boolean {
  for (let k = 0; k < width; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/**
 * Arithmetic difference d = target - reference in the tensor's own precision, kept only where
 * reference + d gives the target back bit for bit. Elements where it does not (rounding, NaN,
 * infinities, where a NaN payload could be quieted) are stored verbatim as exceptions, so decoding
 * is exact for every bit pattern. Pays when updates are small compared to the weights.
 */
export const floatDiff: DeltaTypePlugin = {
  kind: 'delta',
  id: 'float-diff',
  label: 'Exact float difference',
  summary: 'target - reference in f32/f64 where exactly invertible, exceptions stored verbatim; byte planes + deflate',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [LEVEL_PARAM],
  supports(target, reference) {
    if (target.dtype !== 'f32' && target.dtype !== 'f64') return `float-diff handles f32 and f64, not ${target.dtype}`;
    return sameLayout(target, reference);
  },
  // Not `async`: a mismatched reference is refused at the call, before any work is queued.
  encode(target: Tensor, reference: Tensor, options): Promise<DeltaPayload> {
    assertSameLayout('float-diff', target, reference);
    const dtype = target.dtype as 'f32' | 'f64';
    const width = DTYPE_BYTES[dtype];
    const level = Number(options?.params?.level ?? LEVEL_PARAM.default);
    const t = floatView(dtype, target.data);
    const r = floatView(dtype, reference.data);
    // Scratch: packPlanesAsync has split it into planes of its own by the time it resolves.
    const dBytes = borrowScratch(t.length * width);
    const d = dtype === 'f32' ? new Float32Array(dBytes.buffer, 0, t.length) : new Float64Array(dBytes.buffer, 0, t.length);
    const back = dtype === 'f32' ? new Float32Array(1) : new Float64Array(1);
    const backBytes = new Uint8Array(back.buffer);
    const exceptions: number[] = [];
    for (let i = 0; i < t.length; i++) {
      const diff = t[i] - r[i];
      d[i] = diff;
      back[0] = r[i] + d[i];
      // NaN compares never hold and NaN payloads may not survive arithmetic: store those verbatim.
      if (Number.isNaN(back[0]) || !bitsEqual(backBytes, 0, target.data, i * width, width)) {
        exceptions.push(i);
        d[i] = 0;
      }
    }
    const values = new Uint8Array(exceptions.length * width);
    exceptions.forEach((index, k) => values.set(target.data.subarray(index * width, (index + 1) * width), k * width));
    const packing = packPlanesAsync(dBytes, width, level, dtype);
    packing.then(() => returnScratch(dBytes), () => returnScratch(dBytes));
    return packing.then((packed) => {
      const planes = planesToPayload('diff', packed);
      return {
        arrays: {
          ...planes.arrays,
          exceptionIndices: named(deflateBytes(encodeIndexGaps(exceptions), level)),
          exceptionValues: named(values),
        },
        attributes: { ...headerAttributes('float-diff', target), ...planes.attributes, exceptions: exceptions.length },
      };
    });
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const { dtype, shape, bytes } = readHeader('float-diff', payload, reference);
    const width = DTYPE_BYTES[dtype];
    const f = dtype as 'f32' | 'f64';
    const d = floatView(f, unpackPlanes(planesFromPayload('diff', payload), width, bytes, dtype));
    const r = floatView(f, reference.data);
    const out = f === 'f32' ? new Float32Array(d.length) : new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = r[i] + d[i];
    const data = new Uint8Array(out.buffer);
    const count = Number(payload.attributes.exceptions ?? 0);
    const indices = decodeIndexGaps(inflateBytes(requireArray(payload, 'exceptionIndices', Uint8Array)), count, d.length);
    const values = requireArray(payload, 'exceptionValues', Uint8Array, count * width);
    indices.forEach((index, k) => data.set(values.subarray(k * width, (k + 1) * width), index * width));
    return { dtype, shape, data };
  },
};
