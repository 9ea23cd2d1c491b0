import type { DeltaCodebookSupport, DeltaPayload, DeltaTypePlugin } from '../delta.js';
import { ReefError } from '../errors.js';
import { resolveParams, type ParamSpec, type Params } from '../params.js';
import { PLUGIN_API_VERSION } from '../plugin.js';
import type { Attributes, NamedArray, PortableData } from '../portable.js';
import type { Tensor } from '../tensor.js';
import { MAX_FINITE, float64ToTensor, tensorToFloat64 } from '../dtype-float.js';
import { assertPayloadFits, headerAttributes } from './header.js';
import { errorAttributes, measureError } from './measure.js';
import { assertLossyInputs, finiteDelta, lossyUnsupportedReason } from './validate.js';

/** What a lossy encoder sees: the tensors as float64 and the delta, already checked finite. */
export interface LossyEncodeInput {
  readonly target: Tensor;
  readonly targetValues: Float64Array;
  readonly referenceValues: Float64Array;
  readonly delta: Float64Array;
  readonly params: Params;
  /** A shared codebook to encode with (types that declare `codebook` only). */
  readonly codebook?: PortableData;
}

/** The type-specific part of a payload (the header and measured error are added for you). */
export interface LossyBody {
  readonly arrays: Record<string, NamedArray>;
  readonly attributes: Attributes;
}

export interface LossyDeltaTypeSpec {
  readonly id: string;
  readonly label: string;
  readonly summary: string;
  readonly params: readonly ParamSpec[];
  /** Parameter sets worth trying under an error bound (see DeltaTypePlugin.presets). */
  readonly presets?: readonly Params[];
  /** Extra refusals beyond the common ones (same dtype and shape, float dtype). */
  readonly supports?: (target: Tensor) => string | undefined;
  /** For types with a trainable codebook a store may share between tensors (see @reef/core). */
  readonly codebook?: DeltaCodebookSupport;
  /** May be async (e.g. when it trains a quantizer). */
  encodeBody(input: LossyEncodeInput): LossyBody | Promise<LossyBody>;
  /**
   * The decoded values as float64, before rounding to the tensor's dtype. `payload` has passed
   * the header check; bodies still check their own arrays. May be async (e.g. when it imports its
   * decoder on first use, so that registering the type stays cheap); `decode` is then async too.
   */
  decodeValues(payload: DeltaPayload, referenceValues: Float64Array, reference: Tensor): Float64Array | Promise<Float64Array>;
}

/** A decoded payload: the tensor, and its values as float64 (for measuring the error). */
interface Decoded {
  readonly tensor: Tensor;
  readonly values: Float64Array;
}

/**
 * Builds a lossy DeltaTypePlugin from its type-specific parts. The shared part is what makes every
 * lossy type trustworthy: identical input checks, a header that ties the payload to a dtype and
 * shape, and an error measured by actually decoding the payload, so the numbers recorded in commit
 * metadata are exactly what a checkout will give.
 */
export function defineLossyDeltaType(spec: LossyDeltaTypeSpec): DeltaTypePlugin {
  const supports = (target: Tensor, reference: Tensor): string | undefined =>
    lossyUnsupportedReason(target, reference) ?? spec.supports?.(target);

  const toTensor = (values: Float64Array, reference: Tensor): Decoded => {
    // An approximation of finite values must stay finite: a value just past the dtype's largest
    // (e.g. 65504 in f16) would otherwise round to infinity.
    const limit = MAX_FINITE[reference.dtype as keyof typeof MAX_FINITE];
    for (let i = 0; i < values.length; i++) values[i] = Math.min(limit, Math.max(-limit, values[i]));
    const tensor = float64ToTensor(values, reference.dtype, reference.shape);
    return { tensor, values: tensorToFloat64(tensor) };
  };
  const decodeTensor = (payload: DeltaPayload, reference: Tensor): Decoded | Promise<Decoded> => {
    assertPayloadFits(spec.id, payload, reference);
    const values = spec.decodeValues(payload, tensorToFloat64(reference), reference);
    return values instanceof Promise ? values.then((v) => toTensor(v, reference)) : toTensor(values, reference);
  };

  return {
    kind: 'delta',
    id: spec.id,
    label: spec.label,
    summary: spec.summary,
    apiVersion: PLUGIN_API_VERSION,
    lossless: false,
    params: spec.params,
    supports,
    ...(spec.codebook ? { codebook: spec.codebook } : {}),
    ...(spec.presets ? { presets: spec.presets } : {}),
    encode(target, reference, options) {
      assertLossyInputs(spec.id, target, reference);
      const extra = spec.supports?.(target);
      if (extra) throw new ReefError('UNSUPPORTED', `${spec.id} cannot encode this tensor: ${extra}`);
      const params = resolveParams(`delta type ${spec.id}`, spec.params, options?.params ?? {});
      const targetValues = tensorToFloat64(target);
      const referenceValues = tensorToFloat64(reference);
      const delta = finiteDelta(spec.id, targetValues, referenceValues);
      const finish = (body: LossyBody): DeltaPayload | Promise<DeltaPayload> => {
        const draft: DeltaPayload = {
          arrays: body.arrays,
          attributes: { ...headerAttributes(spec.id, target), ...body.attributes },
        };
        const withError = ({ values }: Decoded): DeltaPayload => ({
          arrays: draft.arrays,
          attributes: { ...draft.attributes, ...errorAttributes(measureError(targetValues, values)) },
        });
        const decoded = decodeTensor(draft, reference);
        return decoded instanceof Promise ? decoded.then(withError) : withError(decoded);
      };
      const body = spec.encodeBody({ target, targetValues, referenceValues, delta, params, codebook: options?.codebook });
      return body instanceof Promise ? body.then(finish) : finish(body);
    },
    decode(payload, reference) {
      const decoded = decodeTensor(payload, reference);
      return decoded instanceof Promise ? decoded.then((d) => d.tensor) : decoded.tensor;
    },
  };
}

