import type { ParamSpec, Params } from './params.js';
import type { PortableData } from './portable.js';
import type { Tensor } from './tensor.js';

/** Encoded difference between a target tensor and a reference tensor. */
export type DeltaPayload = PortableData;

export interface DeltaEncodeOptions {
  readonly params?: Params;
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
  /** Whether this type can encode `target` against `reference` (dtype, shape); a reason if not. */
  supports?(target: Tensor, reference: Tensor): string | undefined;
  encode(target: Tensor, reference: Tensor, options?: DeltaEncodeOptions): DeltaPayload | Promise<DeltaPayload>;
  decode(payload: DeltaPayload, reference: Tensor): Tensor | Promise<Tensor>;
}
