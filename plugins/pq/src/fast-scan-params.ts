import type { ParamGrid, ParamSpec } from '@reef/core';
import { PQ_PARAMS } from './params.js';

/** Sub-quantizers at most: their u8 entries must add up within the scan's u16 accumulators. */
export const FAST_SCAN_MAX_M = 1024;

/** PQ's parameters without nbits (fixed at 4: sixteen centroids, one swizzle per 16 codes). */
export const FAST_SCAN_PARAMS: readonly ParamSpec[] = PQ_PARAMS.filter((p) => p.name !== 'nbits').map((p) =>
  p.name === 'm' ? { ...p, max: FAST_SCAN_MAX_M, description: 'number of sub-quantizers of 16 centroids (4-bit sub-codes); up to the dimension and 1024' } : p,
);

export const FAST_SCAN_DEFAULT_GRID: ParamGrid = { m: [8, 16, 32, 56] };
