import { defineLossyDeltaType } from '@reef/core/delta';
import { ReefError } from '@reef/core/errors';
import { named, requireArray, requireNumber } from '@reef/core/portable';
import { packedBytes, packValues, unpackValues } from '@reef/kernels';

const ID = 'rounded-delta';

/**
 * The delta (target − reference) rounded to a uniform grid: `bits`-bit signed steps of one scale
 * per tensor, bit-packed. Fine-tuning deltas are small and centred on zero, so a few bits per
 * element keep most of the change at a fraction of the tensor's size.
 *
 * defineLossyDeltaType does the part every lossy type shares: it checks the inputs (same dtype and
 * shape, a float dtype, a finite delta), writes and checks the payload header, rounds and clamps
 * the decoded values to the dtype, and records the error (`max_abs_error`, `rel_l2_error`) by
 * decoding the payload it just made. This file only says how the delta is stored.
 */
export const roundedDelta = defineLossyDeltaType({
  id: ID,
  label: 'Rounded delta',
  summary: 'target − reference rounded to 2^bits − 1 uniform steps of one per-tensor scale, bit-packed',
  params: [{ name: 'bits', type: 'int', default: 8, min: 2, max: 8, description: 'bits per element' }],
  // A store picking the smallest encoding under an error bound tries these, finest first.
  presets: [{ bits: 8 }, { bits: 6 }, { bits: 4 }],

  encodeBody({ delta, params }) {
    const bits = Number(params.bits);
    const steps = stepsEachSide(bits);
    let largest = 0;
    for (const d of delta) largest = Math.max(largest, Math.abs(d));
    const scale = largest / steps; // 0 when nothing changed: every code is then the zero step
    // Codes are unsigned: step s in [-steps, steps] is stored as s + steps.
    const codes = Uint8Array.from(delta, (d) => (scale === 0 ? 0 : Math.round(d / scale)) + steps);
    const packed = new Uint8Array(packedBytes(codes.length, bits));
    packValues(codes, bits, packed);
    return { arrays: { codes: named(packed), scale: named(Float64Array.of(scale)) }, attributes: { bits } };
  },

  decodeValues(payload, referenceValues) {
    const bits = requireNumber(payload, 'bits', true);
    if (bits < 2 || bits > 8) throw new ReefError('BAD_MODEL', `${ID} payload has bits=${bits}; it must be 2 to 8`);
    const [scale] = requireArray(payload, 'scale', Float64Array, 1);
    if (!Number.isFinite(scale) || scale < 0) throw new ReefError('BAD_MODEL', `${ID} payload has scale ${scale}; it must be finite and ≥ 0`);
    const count = referenceValues.length;
    const codes = unpackValues(requireArray(payload, 'codes', Uint8Array, packedBytes(count, bits)), bits, count, 0, new Uint8Array(count));
    const steps = stepsEachSide(bits);
    return referenceValues.map((r, i) => r + (codes[i] - steps) * scale);
  },
});

/** Steps on each side of zero for a signed code of `bits` bits: symmetric, so zero is exact. */
function stepsEachSide(bits: number): number {
  return 2 ** (bits - 1) - 1;
}
