import { resolveParams, type ParamGrid, type ParamSpec, type Params } from '@reef/core';

/** Code formats: uniform integer levels with trained ranges, or a 16-bit float cast (no training). */
export const FORMATS = ['8bit', '6bit', '4bit', 'fp16', 'bf16'] as const;
export type Format = (typeof FORMATS)[number];

/** One [lower, upper] range per dimension, or one shared by all dimensions (FAISS's `_uniform`). */
export const RANGES = ['per-dim', 'global'] as const;
export type RangeMode = (typeof RANGES)[number];

/** How a range is estimated from training values, after FAISS's RangeStat. */
export const ESTIMATORS = ['minmax', 'meanstd', 'quantiles', 'optim'] as const;
export type Estimator = (typeof ESTIMATORS)[number];

export const SQ_PARAMS: readonly ParamSpec[] = [
  {
    name: 'format',
    type: 'enum',
    values: FORMATS,
    default: '8bit',
    description: 'code per dimension: 8, 6 or 4 bits on a trained uniform grid, or an fp16/bf16 cast',
  },
  {
    name: 'range',
    type: 'enum',
    values: RANGES,
    default: 'per-dim',
    description: 'integer formats: one range per dimension, or one global range for all dimensions',
  },
  {
    name: 'estimator',
    type: 'enum',
    values: ESTIMATORS,
    default: 'minmax',
    description: 'integer formats: range from min-max, mean ± k·std, quantiles, or optimised for least squared error',
  },
  {
    name: 'k',
    type: 'float',
    default: 3,
    min: 0,
    description: 'meanstd estimator: the range is mean ± k standard deviations',
  },
  {
    name: 'quantile',
    type: 'float',
    default: 0.001,
    min: 0,
    max: 0.5,
    description: 'quantiles estimator: fraction of training values left outside the range at each end',
  },
];

export const SQ_DEFAULT_GRID: ParamGrid = { format: ['8bit', '6bit', '4bit', 'fp16', 'bf16'] };

/** The resolved parameters, typed. */
export interface SqConfig {
  readonly format: Format;
  readonly range: RangeMode;
  readonly estimator: Estimator;
  readonly k: number;
  readonly quantile: number;
}

/**
 * Applies defaults and validates, so `create` can be called directly (not only through the
 * registry) and still refuses unknown names and bad values with a ReefError.
 */
export function resolveSqParams(given: Record<string, unknown> = {}): { params: Params; config: SqConfig } {
  const params = resolveParams('sq', SQ_PARAMS, given);
  const config: SqConfig = {
    format: params.format as Format,
    range: params.range as RangeMode,
    estimator: params.estimator as Estimator,
    k: params.k as number,
    quantile: params.quantile as number,
  };
  return { params, config };
}

/** Bits per dimension for integer formats; undefined for the float casts. */
export function integerBits(format: Format): 8 | 6 | 4 | undefined {
  switch (format) {
    case '8bit':
      return 8;
    case '6bit':
      return 6;
    case '4bit':
      return 4;
    default:
      return undefined;
  }
}
