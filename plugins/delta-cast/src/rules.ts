import { bf16Bits, bf16Value, f16Bits, f16Value, f8e4m3Bits, f8e5m2Bits } from '@reef/core/dtype';
import type { DType } from '@reef/core';

/**
 * The narrowing casts this package predicts: round to nearest, ties to even (what PyTorch's
 * `.to(torch.bfloat16)`, `.half()` and `.float()` and numpy's `astype` do for finite values). Each
 * rule maps one element of the wider reference to the narrower target's bit pattern. NaN goes to
 * one fixed quiet NaN on purpose: payloads and signs of NaN differ between libraries, and whatever
 * a file holds instead is stored as an exception, so the prediction only has to be deterministic.
 */
export interface CastRule {
  readonly from: 'f64' | 'f32' | 'f16' | 'bf16';
  readonly to: 'f32' | 'f16' | 'bf16' | 'f8e4m3' | 'f8e5m2';
  /** Predicted target bits of element `i` of the reference (read through `view`). */
  predict(view: DataView, i: number): number;
}

const F32_QUIET_NAN = 0x7fc00000;
const HALF_QUIET_NAN = 0x7e00;
const BF16_QUIET_NAN = 0x7fc0;
const F8_NAN = 0x7f;

const f32Scratch = new Float32Array(1);
const f32ScratchBits = new Uint32Array(f32Scratch.buffer);

/** f32 bits → bf16 bits, round to nearest even, on the bits (overflow carries into ±Inf as it should). */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return BF16_QUIET_NAN;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

const RULES: readonly CastRule[] = [
  { from: 'f32', to: 'bf16', predict: (v, i) => f32BitsToBf16(v.getUint32(i * 4, true)) },
  {
    from: 'f32',
    to: 'f16',
    // An f32 value is exact in float64, so core's float64 → f16 rounding is a single rounding here.
    predict: (v, i) => {
      const x = v.getFloat32(i * 4, true);
      return Number.isNaN(x) ? HALF_QUIET_NAN : f16Bits(x);
    },
  },
  {
    from: 'f64',
    to: 'f32',
    predict: (v, i) => {
      const x = v.getFloat64(i * 8, true);
      if (Number.isNaN(x)) return F32_QUIET_NAN;
      f32Scratch[0] = x; // IEEE round to nearest even
      return f32ScratchBits[0];
    },
  },
  // f64 → f16/bf16 rounds once, straight from float64 (numpy's astype); a copy made through f32
  // (PyTorch's) differs only on the rare double-rounding ties, stored as exceptions.
  { from: 'f64', to: 'f16', predict: (v, i) => (Number.isNaN(v.getFloat64(i * 8, true)) ? HALF_QUIET_NAN : f16Bits(v.getFloat64(i * 8, true))) },
  { from: 'f64', to: 'bf16', predict: (v, i) => (Number.isNaN(v.getFloat64(i * 8, true)) ? BF16_QUIET_NAN : bf16Bits(v.getFloat64(i * 8, true))) },
  // The 8-bit floats (safetensors F8_E4M3, F8_E5M2), from f32, f16 or bf16: each source value is
  // exact in float64, so core's rounding from float64 is the single rounding PyTorch's conversion
  // does (e4m3: beyond 448 and non-finite to NaN; e5m2: overflow to ±Inf). NaN goes to 0x7f, the
  // NaN PyTorch writes. Not checked against PyTorch here (Debian's 1.13 has no float8 dtypes):
  // whatever differs is stored as an exception, so the cast stays lossless either way.
  ...(['f32', 'f16', 'bf16'] as const).flatMap((from) => {
    const read = from === 'f32' ? (v: DataView, i: number) => v.getFloat32(i * 4, true) : from === 'f16' ? (v: DataView, i: number) => f16Value(v.getUint16(i * 2, true)) : (v: DataView, i: number) => bf16Value(v.getUint16(i * 2, true));
    return [
      { from, to: 'f8e4m3' as const, predict: (v: DataView, i: number) => f8e4m3Bits(read(v, i)) },
      { from, to: 'f8e5m2' as const, predict: (v: DataView, i: number) => (Number.isNaN(read(v, i)) ? F8_NAN : f8e5m2Bits(read(v, i))) },
    ];
  }),
];

/** The rule casting `from` to `to`, if this package has one. */
export function castRule(from: DType, to: DType): CastRule | undefined {
  return RULES.find((r) => r.from === from && r.to === to);
}

/** Every (reference dtype, target dtype) pair with a rule, for messages and docs. */
export const CAST_PAIRS: readonly string[] = RULES.map((r) => `${r.from}→${r.to}`);
