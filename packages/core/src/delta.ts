import type { ParamSpec, Params } from './params.js';
import type { PortableData } from './portable.js';
import type { Tensor } from './tensor.js';

/** Encoded difference between a target tensor and a reference tensor. */
export type DeltaPayload = PortableData;

export interface DeltaEncodeOptions {
  readonly params?: Params;
  /**
   * A codebook trained earlier by this type's `codebook.train` (types with `codebook` only): encode
   * with it instead of training one. The payload still contains the codebook arrays.
   */
  readonly codebook?: PortableData;
}

/** One (target, reference) pair a shared codebook is trained on. */
export interface DeltaTrainingPair {
  readonly target: Tensor;
  readonly reference: Tensor;
}

/**
 * Optional, for types whose payload carries a trained codebook (e.g. PQ centroids). A store may
 * train one codebook for many tensors, keep it once (content-addressed) and strip the arrays named
 * in `arrays` from each payload, putting them back before `decode`. Payloads stay self-contained:
 * `encode` always returns them with the codebook arrays, so a host that knows nothing of codebooks
 * works as before.
 */
export interface DeltaCodebookSupport {
  /** Payload arrays that are the codebook, shared by every tensor encoded with it. */
  readonly arrays: readonly string[];
  /**
   * Trains one codebook on several pairs; returns exactly the `arrays` (plus the attributes that
   * describe them), to pass back as `DeltaEncodeOptions.codebook`.
   */
  train(pairs: readonly DeltaTrainingPair[], options?: DeltaEncodeOptions): Promise<PortableData>;
}

/** Measured error of a lossy delta, recorded in commit metadata. */
export interface DeltaError {
  readonly maxAbs: number;
  readonly relL2: number;
}

/** What a delta-type plugin registers. */
export interface DeltaTypePlugin {
  readonly kind: 'delta';
  readonly id: string;
  readonly label: string;
  readonly summary: string;
  readonly apiVersion: number;
  packageName?: string;
  /** True when decode(encode(t, r), r) reproduces t byte for byte, for every dtype it accepts. */
  readonly lossless: boolean;
  readonly params: readonly ParamSpec[];
  /**
   * Optional: parameter sets a store should try when it picks, per tensor, the smallest encoding
   * within an error bound (finest first). Without it, a store tries the defaults only.
   */
  readonly presets?: readonly Params[];
  /** Whether this type can encode `target` against `reference` (dtype, shape); a reason if not. */
  supports?(target: Tensor, reference: Tensor): string | undefined;
  /**
   * Optional hint: a cheap look at the pair (a sample, never a full encode) saying whether this type
   * could plausibly give the smallest encoding. A store's encoding policy asks it of every type,
   * first-party or not, before spending a trial encode, and skips the type on `false`. It only saves
   * time: a wrong `false` costs bytes, never correctness. Without it, the type is always tried
   * (where `supports` allows). Example: `sparse` answers false when most elements changed.
   */
  worthTrying?(target: Tensor, reference: Tensor): boolean;
  /** Present when payloads carry a trainable, shareable codebook (see DeltaCodebookSupport). */
  readonly codebook?: DeltaCodebookSupport;
  encode(target: Tensor, reference: Tensor, options?: DeltaEncodeOptions): DeltaPayload | Promise<DeltaPayload>;
  decode(payload: DeltaPayload, reference: Tensor): Tensor | Promise<Tensor>;
}
