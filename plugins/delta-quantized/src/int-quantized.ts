import { ReefError, requireArray, requireNumber, type DeltaPayload, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { dequantizeAffine, quantizeAffine, type AffineCodes, type CodeBits } from './affine.js';
import { defineLossyDeltaType } from '@reef/core/delta';
import { deflateCodes, inflateCodes } from './code-deflate.js';

/**
 * int8 / int16: the delta (target − reference) quantized affinely to 2^bits levels, per tensor or
 * per channel (channel = first axis). The maximum error is half a quantization step.
 */
export function createIntQuantizedDeltaType(bits: CodeBits): DeltaTypePlugin {
  const id = `int${bits}`;
  return defineLossyDeltaType({
    id,
    label: `Int${bits} delta`,
    summary: `Delta quantized affinely to ${bits}-bit integers (per tensor or per channel, first axis); max error half a step`,
    params: [
      {
        name: 'granularity',
        type: 'enum',
        values: ['channel', 'tensor'],
        default: 'channel',
        description: 'one grid per channel (first axis; 0-D and 1-D tensors are one channel) or one per tensor',
      },
      {
        name: 'coding',
        type: 'enum',
        values: ['none', 'deflate'],
        default: 'none',
        description: "'deflate': the codes split into byte planes and deflated (array codes_deflated) when that is smaller; a delta's codes crowd near the middle of the grid",
      },
    ],
    presets: [
      { granularity: 'channel', coding: 'deflate' },
      { granularity: 'tensor', coding: 'deflate' },
    ],
    encodeBody({ target, delta, params }) {
      const channels = channelCount(target, params.granularity as string);
      const q = quantizeAffine(delta, channels, bits);
      const packed = params.coding === 'deflate' ? deflateCodes(q.codes) : undefined;
      // Only where it pays: a few hundred near-uniform codes deflate to more than they are.
      const deflated = packed && packed.length < q.codes.byteLength ? packed : undefined;
      return {
        arrays: {
          ...(deflated ? { codes_deflated: { data: deflated, shape: [deflated.length] } } : { codes: { data: q.codes, shape: [q.codes.length] } }),
          offsets: { data: q.offsets, shape: [channels] },
          steps: { data: q.steps, shape: [channels] },
        },
        attributes: { bits, channels, granularity: channels === 1 ? 'tensor' : 'channel', ...(deflated ? { coding: 'deflate' } : {}) },
      };
    },
    decodeValues(payload, referenceValues) {
      const codes = readCodes(payload, bits, referenceValues.length);
      const delta = dequantizeAffine(codes, requireNumber(payload, 'channels', true), bits);
      for (let i = 0; i < delta.length; i++) delta[i] += referenceValues[i];
      return delta;
    },
  });
}

/** Channels along the first axis for tensors of rank ≥ 2, else one. */
function channelCount(target: Tensor, granularity: string): number {
  if (granularity === 'tensor' || target.shape.length < 2) return 1;
  return target.shape[0];
}

function readCodes(payload: DeltaPayload, bits: CodeBits, n: number): AffineCodes {
  const channels = requireNumber(payload, 'channels', true);
  const codes =
    payload.attributes.coding === 'deflate'
      ? inflateCodes(requireArray(payload, 'codes_deflated', Uint8Array), bits, n)
      : bits === 8
        ? requireArray(payload, 'codes', Int8Array, n)
        : requireArray(payload, 'codes', Int16Array, n);
  const offsets = floatArray(payload, 'offsets', channels);
  const steps = floatArray(payload, 'steps', channels);
  return { codes, offsets, steps };
}

function floatArray(payload: DeltaPayload, name: string, length: number): Float32Array | Float64Array {
  const data = payload.arrays[name]?.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array) || data.length !== length) {
    throw new ReefError('BAD_MODEL', `delta payload array '${name}' should be ${length} float32 or float64 values`);
  }
  return data;
}
