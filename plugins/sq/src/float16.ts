/**
 * float32 ↔ fp16 / bf16 bit conversions (Node 20 has no Float16Array). Encoding rounds to nearest,
 * ties to even, like a hardware cast, except that values beyond the largest finite value clamp to
 * it instead of becoming ±Infinity: as a quantizer, the nearest finite code is the useful answer.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

const HALF_MAX_FINITE = 0x7bff; // 65504
const BF16_MAX_FINITE = 0x7f7f;

/** fp16 bits (sign, 5-bit exponent, 10-bit mantissa) of the nearest fp16 to finite `x`. */
export function floatToHalfBits(x: number): number {
  f32[0] = x;
  return float32BitsToHalfBits(u32[0]);
}

/** floatToHalfBits on the float32 bit pattern, so batches can be read through a Uint32Array view. */
export function float32BitsToHalfBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 143) return sign | HALF_MAX_FINITE; // |x| ≥ 65536 (or non-finite): clamp
  if (exponent < 102) return sign; // |x| < 2^-25: rounds to ±0
  if (exponent < 113) {
    // fp16 subnormal: value = m · 2^-24 with m < 1024; shift the 24-bit significand down.
    const significand = mantissa | 0x800000;
    const shift = 126 - exponent; // 14..24
    let m = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++; // may carry into the smallest normal: still correct bits
    return sign | m;
  }
  // Normal: rebias the exponent, keep 10 of 23 mantissa bits, round to nearest even.
  let h = ((exponent - 112) << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry bumps the exponent: still correct
  if (h > HALF_MAX_FINITE) h = HALF_MAX_FINITE;
  return sign | h;
}

/** The float value of fp16 bits. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** bf16 bits (the top half of float32) of the nearest bf16 to finite `x`. */
export function floatToBf16Bits(x: number): number {
  f32[0] = x;
  return float32BitsToBf16Bits(u32[0]);
}

/** floatToBf16Bits on the float32 bit pattern. */
export function float32BitsToBf16Bits(bits: number): number {
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  // Rounding up past the largest finite value would give infinity: clamp instead.
  return (rounded & 0x7fff) > BF16_MAX_FINITE ? (rounded & 0x8000) | BF16_MAX_FINITE : rounded & 0xffff;
}

/** The float value of bf16 bits. */
export function bf16BitsToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Every 16-bit pattern decoded once: decoding and search then cost one table read per value. */
export function decodeTable(kind: 'fp16' | 'bf16'): Float32Array {
  const cached = tables[kind];
  if (cached) return cached;
  const table = new Float32Array(65536);
  const convert = kind === 'fp16' ? halfBitsToFloat : bf16BitsToFloat;
  for (let i = 0; i < 65536; i++) table[i] = convert(i);
  tables[kind] = table;
  return table;
}
const tables: Partial<Record<'fp16' | 'bf16', Float32Array>> = {};
