/**
 * `@reef/core/delta`: everything a delta-type plugin needs from Reef. The contract (`../delta.ts`:
 * DeltaTypePlugin, payloads, codebooks) and the machinery every lossy type shares: input checks,
 * the payload header, the error measures (also used by the store) and exact float conversions.
 * Browser-safe: no Node APIs, and no DI container.
 */
export * from '../delta.js';
export { defineLossyDeltaType, type LossyBody, type LossyDeltaTypeSpec, type LossyEncodeInput } from './lossy.js';
export { LOSSY_FORMAT_VERSION, assertPayloadFits, headerAttributes } from './header.js';
export { assertLossyInputs, finiteDelta, lossyUnsupportedReason, sameShape } from './validate.js';
export { MAX_ABS_ERROR, REL_L2_ERROR, UNBOUNDED_REL_L2, errorAttributes, measureError, readDeltaError } from './measure.js';
export { MAX_FINITE, bf16Bits, bf16Value, f16Bits, f16Value, float64ToTensor, roundToDType, tensorToFloat64 } from '../dtype-float.js';
