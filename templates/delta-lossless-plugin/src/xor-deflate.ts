import {
  DTYPE_BYTES,
  PLUGIN_API_VERSION,
  ReefError,
  elementCount,
  named,
  requireArray,
  type DType,
  type DeltaPayload,
  type DeltaTypePlugin,
  type ParamSpec,
  type Tensor,
} from '@reef/core';
import { deflateBytes, inflateBytes } from '@reef/codecs/node';

const ID = 'xor-deflate';
/** Bump when the payload layout changes, so old readers refuse new payloads by name. */
const FORMAT_VERSION = 1;

const LEVEL: ParamSpec = {
  name: 'level',
  type: 'int',
  default: 6,
  min: 1,
  max: 9,
  description: 'deflate level (higher: smaller and slower)',
};

/** Why `target` cannot be encoded against `reference`, or undefined when it can. */
function layoutMismatch(target: Tensor, reference: Tensor): string | undefined {
  if (target.dtype !== reference.dtype) return `dtype ${target.dtype} differs from the reference's ${reference.dtype}`;
  if (target.data.length !== reference.data.length) {
    return `target has ${target.data.length} bytes, the reference ${reference.data.length}`;
  }
  return undefined;
}

/** XOR is its own inverse: the same function encodes and decodes. */
function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Checks what decode relies on and names the first thing wrong. */
function readHeader(payload: DeltaPayload, reference: Tensor): { dtype: DType; shape: number[] } {
  const { delta_type, format_version, dtype, shape } = payload.attributes;
  if (delta_type !== ID) throw new ReefError('BAD_MODEL', `payload was written by delta type ${JSON.stringify(delta_type)}, not ${ID}`);
  if (format_version !== FORMAT_VERSION) {
    throw new ReefError('BAD_MODEL', `${ID} payload has format version ${JSON.stringify(format_version)}; this plugin reads version ${FORMAT_VERSION}`);
  }
  if (dtype !== reference.dtype) throw new ReefError('BAD_MODEL', `${ID} payload is for dtype ${JSON.stringify(dtype)}, the reference is ${reference.dtype}`);
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) {
    throw new ReefError('BAD_MODEL', `${ID} payload has an invalid shape ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const bytes = elementCount(dims) * DTYPE_BYTES[reference.dtype];
  if (bytes !== reference.data.length) throw new ReefError('BAD_MODEL', `${ID} payload needs a ${bytes}-byte reference, got ${reference.data.length}`);
  return { dtype: reference.dtype, shape: dims };
}

/**
 * Byte-wise XOR of the target against the reference, deflated. Between two checkpoints of one
 * training run most high-order bytes do not change, so the XOR is mostly zeros and deflates well.
 * It is exact for every dtype: NaN payloads, -0, infinities and subnormals are just bit patterns.
 */
export const xorDeflate: DeltaTypePlugin = {
  kind: 'delta',
  id: ID,
  label: 'XOR + deflate',
  summary: 'byte-wise XOR against the reference, deflated (lossless, every dtype)',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [LEVEL],
  supports: layoutMismatch,
  encode(target: Tensor, reference: Tensor, options): DeltaPayload {
    const mismatch = layoutMismatch(target, reference);
    if (mismatch) throw new ReefError('UNSUPPORTED', `${ID}: ${mismatch}`);
    const level = Number(options?.params?.level ?? LEVEL.default);
    return {
      arrays: { xor: named(deflateBytes(xorBytes(target.data, reference.data), level)) },
      attributes: { delta_type: ID, format_version: FORMAT_VERSION, dtype: target.dtype, shape: [...target.shape] },
    };
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const { dtype, shape } = readHeader(payload, reference);
    const deflated = requireArray(payload, 'xor', Uint8Array);
    let xor: Uint8Array;
    try {
      xor = inflateBytes(deflated);
    } catch (err) {
      throw new ReefError('BAD_MODEL', `${ID} payload array 'xor' is not a valid deflate stream: ${(err as Error).message}`);
    }
    if (xor.length !== reference.data.length) {
      throw new ReefError('BAD_MODEL', `${ID} payload inflates to ${xor.length} bytes, the reference has ${reference.data.length}`);
    }
    return { dtype, shape, data: xorBytes(xor, reference.data) };
  },
};
