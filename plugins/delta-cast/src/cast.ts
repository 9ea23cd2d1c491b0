import { DTYPE_BYTES, PLUGIN_API_VERSION, ReefError, elementCount, named, requireArray, type DType, type DeltaPayload, type DeltaTypePlugin, type ParamSpec, type Tensor } from '@reef/core';
import { decodeIndexGaps, deflateBytes, encodeIndexGaps, inflateBytes } from '@reef/codecs/zlib';
import { CAST_PAIRS, castRule, type CastRule } from './rules.js';

export const LEVEL_PARAM: ParamSpec = {
  name: 'level',
  type: 'int',
  default: 6,
  min: 1,
  max: 9,
  description: 'deflate level for the exception indices and values',
};

/**
 * `worthTrying` looks at this many evenly strided elements. Each exception costs its index gap and
 * its value (about 3 bytes for bf16/f16), while the whole tensor deflates to ~1.6–1.9 bytes per
 * bf16/f16 element, so beyond roughly half the elements mispredicted the cast cannot win.
 */
const SCREEN_ELEMENTS = 1024;
const MAX_MISPREDICTED = 0.5;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readBits(v: DataView, i: number, width: number): number {
  return width === 1 ? v.getUint8(i) : width === 2 ? v.getUint16(i * 2, true) : v.getUint32(i * 4, true);
}

function writeBits(v: DataView, i: number, width: number, bits: number): void {
  if (width === 1) v.setUint8(i, bits);
  else if (width === 2) v.setUint16(i * 2, bits, true);
  else v.setUint32(i * 4, bits, true);
}

/** Why `target` cannot be coded as a cast of `reference`, or undefined when it can. */
function refusal(target: Tensor, reference: Tensor): string | undefined {
  if (!castRule(reference.dtype, target.dtype)) {
    return `cast codes a narrowing float cast (${CAST_PAIRS.join(', ')}), not ${reference.dtype}→${target.dtype}`;
  }
  if (elementCount(target.shape) !== elementCount(reference.shape) || reference.data.length !== elementCount(target.shape) * DTYPE_BYTES[reference.dtype]) {
    return `target has ${elementCount(target.shape)} elements, the reference ${reference.data.length / DTYPE_BYTES[reference.dtype]}`;
  }
  return undefined;
}

function ruleFor(target: Tensor, reference: Tensor): CastRule {
  const reason = refusal(target, reference);
  if (reason) throw new ReefError('UNSUPPORTED', `cast: ${reason}`);
  return castRule(reference.dtype, target.dtype) as CastRule;
}

/** Fraction of evenly strided elements whose bits differ from the reference's predicted cast. */
export function mispredictedFraction(target: Tensor, reference: Tensor): number {
  const rule = ruleFor(target, reference);
  const width = DTYPE_BYTES[target.dtype];
  const n = target.data.length / width;
  const m = Math.min(n, SCREEN_ELEMENTS);
  if (m === 0) return 0;
  const t = view(target.data);
  const r = view(reference.data);
  let wrong = 0;
  for (let k = 0; k < m; k++) {
    const i = Math.floor((k * n) / m);
    if (rule.predict(r, i) !== readBits(t, i, width)) wrong++;
  }
  return wrong / m;
}

/**
 * A narrower float copy of a stored tensor (f32 → bf16 or f16, f64 → f32, f16 or bf16) stored as
 * the cast rule plus the exceptions: the indices (varint gaps, deflated) and verbatim bits of the
 * elements where round-to-nearest-even of the reference is not what the file holds. Byte-exact for
 * every bit pattern; a true cast costs a few dozen bytes whatever the tensor's size.
 */
export const cast: DeltaTypePlugin = {
  kind: 'delta',
  id: 'cast',
  label: 'Narrowing cast + exceptions',
  summary: 'a narrower float copy of the reference (f32→bf16/f16, f64→f32/f16/bf16, f32/f16/bf16→f8e4m3/f8e5m2): the round-to-nearest-even rule plus the elements it mispredicts (lossless)',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [LEVEL_PARAM],
  supports: refusal,
  /** Worth a trial where at most half of a strided sample differs from the predicted cast. */
  worthTrying: (target: Tensor, reference: Tensor): boolean => mispredictedFraction(target, reference) <= MAX_MISPREDICTED,
  encode(target: Tensor, reference: Tensor, options): DeltaPayload {
    const rule = ruleFor(target, reference);
    const level = Number(options?.params?.level ?? LEVEL_PARAM.default);
    const width = DTYPE_BYTES[target.dtype];
    const n = target.data.length / width;
    const t = view(target.data);
    const r = view(reference.data);
    const exceptions: number[] = [];
    for (let i = 0; i < n; i++) if (rule.predict(r, i) !== readBits(t, i, width)) exceptions.push(i);
    const attributes = { deltaType: 'cast', dtype: target.dtype, shape: [...target.shape], exceptions: exceptions.length };
    // A true cast has no exceptions: the payload is its attributes alone.
    if (exceptions.length === 0) return { arrays: {}, attributes };
    const values = new Uint8Array(exceptions.length * width);
    exceptions.forEach((index, k) => values.set(target.data.subarray(index * width, (index + 1) * width), k * width));
    return {
      arrays: { exceptionIndices: named(deflateBytes(encodeIndexGaps(exceptions), level)), exceptionValues: named(deflateBytes(values, level)) },
      attributes,
    };
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const a = payload.attributes;
    if (a.deltaType !== 'cast') throw new ReefError('BAD_MODEL', `payload was written by delta type ${JSON.stringify(a.deltaType)}, not cast`);
    const dtype = a.dtype as DType;
    const shape = a.shape;
    if (!(typeof dtype === 'string' && dtype in DTYPE_BYTES) || !Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) {
      throw new ReefError('BAD_MODEL', `cast payload has invalid dtype ${JSON.stringify(a.dtype)} or shape ${JSON.stringify(shape)}`);
    }
    const dims = shape as number[];
    const rule = ruleFor({ dtype, shape: dims, data: new Uint8Array(0) }, reference);
    const count = Number(a.exceptions);
    const n = elementCount(dims);
    if (!Number.isInteger(count) || count < 0 || count > n) throw new ReefError('BAD_MODEL', `cast payload has invalid exception count ${String(a.exceptions)}`);
    const width = DTYPE_BYTES[dtype];
    const data = new Uint8Array(n * width);
    const out = view(data);
    const r = view(reference.data);
    for (let i = 0; i < n; i++) writeBits(out, i, width, rule.predict(r, i));
    if (count > 0) {
      const indices = decodeIndexGaps(inflateBytes(requireArray(payload, 'exceptionIndices', Uint8Array)), count, n);
      const values = inflateBytes(requireArray(payload, 'exceptionValues', Uint8Array));
      if (values.length !== count * width) throw new ReefError('BAD_MODEL', `cast payload holds ${values.length} exception bytes, expected ${count * width}`);
      indices.forEach((index, k) => data.set(values.subarray(k * width, (k + 1) * width), index * width));
    }
    return { dtype, shape: dims, data };
  },
};
