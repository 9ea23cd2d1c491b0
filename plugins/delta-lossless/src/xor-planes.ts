import { DTYPE_BYTES, PLUGIN_API_VERSION, type DeltaPayload, type DeltaTypePlugin, type ParamSpec, type Tensor } from '@reef/core';
import { assertSameLayout, headerAttributes, planesFromPayload, planesToPayload, readHeader, sameLayout } from './payload.js';
import { packPlanesAsync, unpackPlanes } from '@reef/codecs/zlib';

export const LEVEL_PARAM: ParamSpec = {
  name: 'level',
  type: 'int',
  default: 6,
  min: 1,
  max: 9,
  description: 'deflate level for each byte plane (higher: smaller and slower)',
};

/**
 * XOR of bit patterns. Between two checkpoints of one training run, sign, exponent and high mantissa
 * bits rarely change, so the XOR is zero there; splitting it into byte planes puts those zeros
 * together for deflate. XOR is its own inverse on bits, so it is byte-exact for every dtype: NaN
 * payloads, -0, infinities and subnormals are just bit patterns here.
 */
export const xorPlanes: DeltaTypePlugin = {
  kind: 'delta',
  id: 'xor-planes',
  label: 'XOR + byte planes',
  summary: 'XOR of bit patterns against the reference, split into byte planes, each deflated (lossless, every dtype)',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [LEVEL_PARAM],
  supports: sameLayout,
  // Not `async`: a mismatched reference is refused at the call, before any work is queued.
  encode(target: Tensor, reference: Tensor, options): Promise<DeltaPayload> {
    assertSameLayout('xor-planes', target, reference);
    const level = Number(options?.params?.level ?? LEVEL_PARAM.default);
    // XOR, bit layout and plane split in one pass; the planes compress in parallel on the thread pool.
    return packPlanesAsync(target.data, DTYPE_BYTES[target.dtype], level, target.dtype, reference.data).then((packed) => {
      const planes = planesToPayload('xor', packed);
      return { arrays: planes.arrays, attributes: { ...headerAttributes('xor-planes', target), ...planes.attributes } };
    });
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const { dtype, shape, bytes } = readHeader('xor-planes', payload, reference);
    return { dtype, shape, data: unpackPlanes(planesFromPayload('xor', payload), DTYPE_BYTES[dtype], bytes, dtype, reference.data) };
  },
};
