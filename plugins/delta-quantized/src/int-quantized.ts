import { ReefError, requireArray, requireNumber, type DeltaPayload, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { dequantizeAffine, quantizeAffine, type AffineCodes, type CodeBits } from './affine.js';
import { defineLossyDeltaType } from './lossy.js';

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
    ],
    presets: [{ granularity: 'channel' }, { granularity: 'tensor' }],
    encodeBody({ target, delta, params }) {
      const channels = channelCount(target, params.granularity as string);
      const q = quantizeAffine(delta, channels, bits);
      return {
        arrays: {
          codes: { data: q.codes, shape: [q.codes.length] },
          offsets: { data: q.offsets, shape: [channels] },
          steps: { data: q.steps, shape: [channels] },
        },
        attributes: { bits, channels, granularity: channels === 1 ? 'tensor' : 'channel' },
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
  const codes = bits === 8 ? requireArray(payload, 'codes', Int8Array, n) : requireArray(payload, 'codes', Int16Array, n);
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
