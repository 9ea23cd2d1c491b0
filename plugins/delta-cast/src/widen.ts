import { DTYPE_BYTES, PLUGIN_API_VERSION, ReefError, elementCount, named, requireArray, type DType, type DeltaPayload, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { float64ToTensor, toFloat64 } from '@reef/core/dtype';
import type { PackedPlanes } from '@reef/codecs';
import { packPlanesAsync, unpackPlanes } from '@reef/codecs/zlib';
import { LEVEL_PARAM } from './cast.js';
import { CAST_PAIRS, castRule } from './rules.js';

/** `worthTrying` samples this many elements; the reference must be the target's cast on at least half. */
const SCREEN_ELEMENTS = 1024;
const MIN_PREDICTED = 0.5;

/** Why `target` cannot be coded against the narrower `reference`, or undefined when it can. */
function refusal(target: Tensor, reference: Tensor): string | undefined {
  if (!castRule(target.dtype, reference.dtype)) {
    return `widen codes a float tensor against its narrower cast (${CAST_PAIRS.join(', ')} read backwards), not ${reference.dtype}→${target.dtype}`;
  }
  if (reference.data.length !== elementCount(target.shape) * DTYPE_BYTES[reference.dtype]) {
    return `target has ${elementCount(target.shape)} elements, the reference ${reference.data.length / DTYPE_BYTES[reference.dtype]}`;
  }
  return undefined;
}

/** The reference's values, exactly, in the target's wider dtype (every narrow value is exact there). */
function widened(reference: Tensor, dtype: DType): Uint8Array {
  const values = toFloat64(reference);
  if (dtype === 'f64') return new Uint8Array(values.buffer);
  if (dtype === 'f32') return new Uint8Array(Float32Array.from(values).buffer);
  return float64ToTensor(values, dtype, [values.length]).data; // f16, bf16: exact for an 8-bit float's values
}

/** Fraction of strided elements where the reference is the target's round-to-nearest-even cast. */
export function castOfTargetFraction(target: Tensor, reference: Tensor): number {
  const rule = castRule(target.dtype, reference.dtype);
  if (!rule || refusal(target, reference)) return 0;
  const n = elementCount(target.shape);
  const m = Math.min(n, SCREEN_ELEMENTS);
  if (m === 0) return 1;
  const t = new DataView(target.data.buffer, target.data.byteOffset, target.data.byteLength);
  const r = new DataView(reference.data.buffer, reference.data.byteOffset, reference.data.byteLength);
  const width = DTYPE_BYTES[reference.dtype];
  let hits = 0;
  for (let k = 0; k < m; k++) {
    const i = Math.floor((k * n) / m);
    const bits = width === 1 ? r.getUint8(i) : width === 2 ? r.getUint16(i * 2, true) : r.getUint32(i * 4, true);
    if (rule.predict(t, i) === bits) hits++;
  }
  return hits / m;
}

/**
 * The reverse of `cast`: a wider float tensor (f32, f64) added after its narrower copy (bf16, f16,
 * f32). The narrow copy, widened exactly, agrees with the target on sign, exponent and the high
 * mantissa bits, so the XOR of the two is zero there; split into byte planes, those planes deflate
 * to almost nothing and only the low mantissa bytes the narrow copy dropped remain. Byte-exact for
 * every bit pattern (XOR is its own inverse).
 */
export const widen: DeltaTypePlugin = {
  kind: 'delta',
  id: 'widen',
  label: 'XOR against a widened narrower copy',
  summary: 'a wider float tensor against its narrower copy (bf16/f16→f32, f32/f16/bf16→f64, f8e4m3/f8e5m2→f32/f16/bf16), widened exactly and XORed, byte planes + deflate (lossless)',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [LEVEL_PARAM],
  supports: refusal,
  /** Worth a trial where the reference is the target's cast on at least half of a strided sample. */
  worthTrying: (target: Tensor, reference: Tensor): boolean => castOfTargetFraction(target, reference) >= MIN_PREDICTED,
  // Not `async`: a mismatched reference is refused at the call, before any work is queued.
  encode(target: Tensor, reference: Tensor, options): Promise<DeltaPayload> {
    const reason = refusal(target, reference);
    if (reason) throw new ReefError('UNSUPPORTED', `widen: ${reason}`);
    const level = Number(options?.params?.level ?? LEVEL_PARAM.default);
    const width = DTYPE_BYTES[target.dtype];
    return packPlanesAsync(target.data, width, level, target.dtype, widened(reference, target.dtype)).then((p) => ({
      arrays: { xor: named(p.bytes) },
      attributes: {
        deltaType: 'widen',
        dtype: target.dtype,
        shape: [...target.shape],
        xorLengths: p.lengths,
        xorDeflated: p.deflated,
        xorLayout: p.layout ?? 'bytes',
        ...(p.context ? { xorContext: p.context } : {}),
      },
    }));
  },
  decode(payload: DeltaPayload, reference: Tensor): Tensor {
    const a = payload.attributes;
    if (a.deltaType !== 'widen') throw new ReefError('BAD_MODEL', `payload was written by delta type ${JSON.stringify(a.deltaType)}, not widen`);
    const dtype = a.dtype as DType;
    const shape = a.shape;
    if (!(typeof dtype === 'string' && dtype in DTYPE_BYTES) || !Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) {
      throw new ReefError('BAD_MODEL', `widen payload has invalid dtype ${JSON.stringify(a.dtype)} or shape ${JSON.stringify(shape)}`);
    }
    const dims = shape as number[];
    const reason = refusal({ dtype, shape: dims, data: new Uint8Array(0) }, reference);
    if (reason) throw new ReefError('UNSUPPORTED', `widen: ${reason}`);
    const bytes = requireArray(payload, 'xor', Uint8Array);
    const lengths = a.xorLengths;
    const deflated = a.xorDeflated;
    if (!Array.isArray(lengths) || !Array.isArray(deflated) || lengths.reduce<number>((s, x) => s + Number(x), 0) !== bytes.length) {
      throw new ReefError('BAD_MODEL', "widen payload array 'xor' does not match its plane lengths");
    }
    const context = a.xorContext;
    if (context !== undefined && !Array.isArray(context)) throw new ReefError('BAD_MODEL', "widen payload attribute 'xorContext' is not a list");
    const packed: PackedPlanes = {
      bytes,
      lengths: lengths.map(Number),
      deflated: deflated.map(Boolean),
      layout: String(a.xorLayout ?? 'bytes') as PackedPlanes['layout'],
      ...(context ? { context: context.map(Boolean) } : {}),
    };
    const width = DTYPE_BYTES[dtype];
    const data = unpackPlanes(packed, width, elementCount(dims) * width, dtype, widened(reference, dtype));
    return { dtype, shape: dims, data };
  },
};
