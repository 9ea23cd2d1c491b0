import type { DeltaError, DeltaPayload } from '../delta.js';
import { ReefError } from '../errors.js';
import type { Attributes } from '../portable.js';

/**
 * The error measures of lossy storage, defined once: lossy delta types record them in their
 * payloads, and the store measures every candidate encoding with the same function before it
 * compares it with a bound (docs/metrics.md, "Lossy delta error").
 */

/** Attribute names under which every lossy payload records its measured error. */
export const MAX_ABS_ERROR = 'max_abs_error';
export const REL_L2_ERROR = 'rel_l2_error';

/**
 * The relative L2 error of a zero target decoded inexactly. A zero target has no scale, so any
 * error is unbounded relative to it; the largest finite double says so and still fits in JSON
 * (payload attributes and commit metadata are JSON, which has no Infinity). No bound below it
 * admits such an encoding.
 */
export const UNBOUNDED_REL_L2 = Number.MAX_VALUE;

/**
 * Error of `decoded` against `target`: the largest absolute difference, and the relative L2 error
 * ‖target − decoded‖₂ / ‖target‖₂. An exact decoding has relative error 0, whatever the target;
 * a zero target decoded inexactly has UNBOUNDED_REL_L2. A non-finite difference (NaN or ±Inf on
 * either side) makes both measures that non-finite value, so no bound admits it. Values up to
 * 1e308 do not overflow the sums of squares (see scaledSums).
 */
export function measureError(target: Float64Array, decoded: Float64Array): DeltaError {
  if (target.length !== decoded.length) {
    throw new ReefError('DIMENSION_MISMATCH', `cannot measure the error of ${decoded.length} decoded values against ${target.length} target values`);
  }
  let maxAbs = 0;
  let errSq = 0;
  let normSq = 0;
  for (let i = 0; i < target.length; i++) {
    const diff = target[i] - decoded[i];
    const abs = Math.abs(diff);
    if (abs > maxAbs || Number.isNaN(abs)) maxAbs = abs;
    errSq += diff * diff;
    normSq += target[i] * target[i];
  }
  if (!Number.isFinite(maxAbs)) return { maxAbs, relL2: maxAbs };
  if (maxAbs === 0) return { maxAbs, relL2: 0 };
  // Squares of values beyond ~1e154 overflow, of values below ~1e-154 lose precision (or vanish):
  // then sum again, scaled by a power of two near 1 / the largest magnitude. Scaling by a power of
  // two is exact, so both ways give the same ratio wherever the first does not overflow.
  if (!Number.isFinite(errSq) || !Number.isFinite(normSq) || normSq < 2 ** -900) [errSq, normSq] = scaledSums(target, decoded);
  const relL2 = normSq === 0 ? UNBOUNDED_REL_L2 : Math.sqrt(errSq) / Math.sqrt(normSq);
  return { maxAbs, relL2 };
}

/** The attributes recording `error` in a payload; a non-finite error cannot be recorded. */
export function errorAttributes(error: DeltaError): Attributes {
  if (!Number.isFinite(error.maxAbs) || !Number.isFinite(error.relL2)) {
    throw new ReefError('NON_FINITE', `measured delta error is not finite (max abs ${error.maxAbs}, relative L2 ${error.relL2})`);
  }
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

/** Σ (t − d)² and Σ t² with every value scaled by a power of two near 1 / the largest magnitude. */
function scaledSums(target: Float64Array, decoded: Float64Array): [number, number] {
  let largest = 0;
  for (let i = 0; i < target.length; i++) largest = Math.max(largest, Math.abs(target[i]), Math.abs(decoded[i]));
  // 2^1000 at most: for tensors of subnormals only, 2^-floor(log2 largest) itself would overflow.
  const scale = 2 ** Math.min(1000, -Math.floor(Math.log2(largest)));
  let errSq = 0;
  let normSq = 0;
  for (let i = 0; i < target.length; i++) {
    const e = (target[i] - decoded[i]) * scale;
    const t = target[i] * scale;
    errSq += e * e;
    normSq += t * t;
  }
  return [errSq, normSq];
}
