import { DTYPE_BYTES, PLUGIN_API_VERSION, type DeltaPayload, type DeltaTypePlugin, type ParamSpec, type Tensor } from '@reef/core';
import { assertSameLayout, headerAttributes, planesFromPayload, planesToPayload, readHeader, sameLayout } from './payload.js';
import { packPlanes, unpackPlanes } from './planes.js';

export const LEVEL_PARAM: ParamSpec = {
  name: 'level',
  type: 'int',
  default: 6,
  min: 1,
  max: 9,
  description: 'deflate level for each byte plane (higher: smaller and slower)',
};

function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  let i = 0;
  // Four bytes at a time where both inputs are 4-byte aligned (the usual case for tensor data).
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    const wo = new Uint32Array(out.buffer, 0, words);
    for (let k = 0; k < words; k++) wo[k] = wa[k] ^ wb[k];
    i = words * 4;
  }
  for (; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

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
  encode(target: Tensor, reference: Tensor, options): DeltaPayload {
    assertSameLayout('xor-planes', target, reference);
    const level = Number(options?.params?.level ?? LEVEL_PARAM.default);
    const packed = packPlanes(xorBytes(target.data, reference.data), DTYPE_BYTES[target.dtype], level, target.dtype);
    const planes = planesToPayload('xor', packed);
    return { arrays: planes.arrays, attributes: { ...headerAttributes('xor-planes', target), ...planes.attributes } };
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const { dtype, shape, bytes } = readHeader('xor-planes', payload, reference);
    const xor = unpackPlanes(planesFromPayload('xor', payload), DTYPE_BYTES[dtype], bytes, dtype);
    return { dtype, shape, data: xorBytes(xor, reference.data) };
  },
};
