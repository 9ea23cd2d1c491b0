import { ReefError, type Attributes, type DeltaError, type DeltaPayload } from '@reef/core';

/** Attribute names under which every lossy payload records its measured error. */
export const MAX_ABS_ERROR = 'max_abs_error';
export const REL_L2_ERROR = 'rel_l2_error';

/**
 * Error of `decoded` against `target`: the largest absolute difference and ‖target − decoded‖₂ /
 * ‖target‖₂. A zero target has no scale: its relative error is 0 when decoded exactly and
 * Number.MAX_VALUE otherwise (JSON has no Infinity; any bound rejects it).
 */
export function measureError(target: Float64Array, decoded: Float64Array): DeltaError {
  let maxAbs = 0;
  let errSq = 0;
  let normSq = 0;
  // Scale by the largest magnitude so squares of huge values (up to 1e308) do not overflow.
  let scale = 0;
  for (let i = 0; i < target.length; i++) scale = Math.max(scale, Math.abs(target[i]), Math.abs(decoded[i]));
  for (let i = 0; i < target.length; i++) {
    const diff = Math.abs(target[i] - decoded[i]);
    if (diff > maxAbs || Number.isNaN(diff)) maxAbs = diff;
    if (scale > 0) {
      errSq += (diff / scale) ** 2;
      normSq += (target[i] / scale) ** 2;
    }
  }
  let relL2: number;
  if (errSq === 0) relL2 = 0;
  else if (normSq === 0) relL2 = Number.MAX_VALUE;
  else relL2 = Math.sqrt(errSq) / Math.sqrt(normSq);
  if (!Number.isFinite(maxAbs) || !Number.isFinite(relL2)) {
    throw new ReefError('NON_FINITE', `measured delta error is not finite (max abs ${maxAbs}, relative L2 ${relL2})`);
  }
  return { maxAbs, relL2 };
}

export function errorAttributes(error: DeltaError): Attributes {
  return { [MAX_ABS_ERROR]: error.maxAbs, [REL_L2_ERROR]: error.relL2 };
}

/** Reads the measured error a lossy payload recorded (for commit metadata). */
export function readDeltaError(payload: DeltaPayload): DeltaError {
  const maxAbs = payload.attributes[MAX_ABS_ERROR];
  const relL2 = payload.attributes[REL_L2_ERROR];
  if (typeof maxAbs !== 'number' || typeof relL2 !== 'number') {
    throw new ReefError('BAD_MODEL', `delta payload records no measured error ('${MAX_ABS_ERROR}', '${REL_L2_ERROR}')`);
  }
  return { maxAbs, relL2 };
}
