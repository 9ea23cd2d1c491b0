/** How a float's bits are arranged before the byte-plane split (absent from old payloads: plain bytes). */
export type BitLayout = 'bytes' | 'exponent-aligned';

/** The bit layout used for a dtype: exponent-aligned where it exists (f32, bf16). */
export function layoutFor(dtype: string | undefined): BitLayout {
  return dtype === 'f32' || dtype === 'bf16' ? 'exponent-aligned' : 'bytes';
}

/**
 * For f32 and bf16, moves the 8 exponent bits into a byte of their own (sign goes next to the
 * mantissa): the exponent byte plane then holds the whole exponent, which is highly repetitive,
 * instead of 7 exponent bits mixed with the sign and 1 exponent bit mixed into mantissa noise.
 * A bit permutation, so it commutes with XOR and is exactly invertible.
 */
export function alignExponent(bytes: Uint8Array, dtype: string, inverse = false): Uint8Array {
  const copy = new Uint8Array(bytes); // a fresh, aligned copy even when given a Node Buffer view
  if (dtype === 'f32') {
    const w = new Uint32Array(copy.buffer);
    for (let i = 0; i < w.length; i++) {
      const x = w[i];
      w[i] = inverse
        ? (((x >>> 23) & 1) << 31) | ((x >>> 24) << 23) | (x & 0x7fffff)
        : (((x >>> 23) & 0xff) << 24) | ((x >>> 31) << 23) | (x & 0x7fffff);
    }
  } else if (dtype === 'bf16') {
    const h = new Uint16Array(copy.buffer);
    for (let i = 0; i < h.length; i++) {
      const x = h[i];
      h[i] = inverse ? (((x >>> 7) & 1) << 15) | ((x >>> 8) << 7) | (x & 0x7f) : (((x >>> 7) & 0xff) << 8) | ((x >>> 15) << 7) | (x & 0x7f);
    }
  }
  return copy;
}
