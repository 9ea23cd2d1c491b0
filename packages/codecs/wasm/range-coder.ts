// AssemblyScript source of the range encoder's hot loop (compiled by `pnpm build:wasm`, which
// embeds the binary in src/range-coder-wasm.ts). It is src/range-coder.ts's `RangeEncoder.encodeByte`
// (and the zero flag `encodeContextPlane` codes with `encodeBit`) in u32 arithmetic: the same model
// updates and the same output bytes (tests compare the two). Nothing is allocated here (the stub
// runtime suffices); the caller fills fixed regions of linear memory:
// P: the model's u16 probabilities (at most 64 contexts x 256), N: its u8 use counts, RATE: 61 u32
// learning rates, BYTES and CTX: a chunk of at most CHUNK bytes to code and one u8 context each,
// OUT: the chunk's coded bytes. The coder's interval lives in globals between chunks.

export const P: usize = 0;
export const N: usize = 32768;
export const RATE: usize = 49152;
export const BYTES: usize = 49408;
export const CHUNK: u32 = 32768;
export const CTX: usize = BYTES + CHUNK;
/** Up to 13.5 bytes per byte coded: 9 decisions, each narrowing the interval by at most 12 bits. */
export const OUT: usize = CTX + CHUNK;

let x1: u32 = 0;
let x2: u32 = 0xffffffff;

/** A new stream. */
export function start(): void {
  x1 = 0;
  x2 = 0xffffffff;
}

const LIMIT: u32 = 60;

/** v / 65536 truncated toward zero, as JS's `v / 65536 | 0` (here |v| < 2^32): a shift, not i64.div_s. */
// @ts-ignore: decorator
@inline function truncDiv65536(v: i64): i32 {
  return <i32>((v + ((v >> 63) & 0xffff)) >> 16);
}

/** Codes the `count` bytes at BYTES in the contexts at CTX; returns how many bytes it wrote at OUT. */
export function encodeRun(count: u32, zeroFlag: bool): u32 {
  const p = P;
  const n = N;
  const rate = RATE;
  const bytes = BYTES;
  const ctx = CTX;
  const out = OUT;
  let a = x1;
  let b = x2;
  let size: usize = 0;
  for (let i: u32 = 0; i < count; i++) {
    const byte: u32 = load<u8>(bytes + i);
    const base: u32 = (<u32>load<u8>(ctx + i)) << 8;
    if (zeroFlag) {
      const bit: u32 = byte == 0 ? 1 : 0;
      const pa = p + ((<usize>base) << 1);
      const na = n + <usize>base;
      const pv: u32 = load<u16>(pa);
      let q: u32 = pv >>> 4;
      q = q < 1 ? 1 : q > 4095 ? 4095 : q;
      const range: u32 = b - a;
      const mid: u32 = a + (range >>> 12) * q + (((range & 0xfff) * q) >>> 12);
      // Branch-free (wasm select): the bits of a byte are hard to predict.
      b = select<u32>(mid, b, bit != 0);
      a = select<u32>(a, mid + 1, bit != 0);
      const c: u32 = load<u8>(na);
      const target: i32 = select<i32>(65535, 0, bit != 0);
      // JS: ((target - p) * RATE[c]) / 65536 | 0, a product beyond int32 truncated toward zero.
      const step = truncDiv65536(<i64>(target - <i32>pv) * <i64>load<u32>(rate + ((<usize>c) << 2)));
      store<u16>(pa, <u32>(<i32>pv + step));
      store<u8>(na, select<u32>(c + 1, c, c < LIMIT));
      while (((a ^ b) & 0xff000000) == 0) {
        store<u8>(out + size, b >>> 24);
        size++;
        a = a << 8;
        b = (b << 8) | 255;
      }
      if (bit) continue;
    }
    let node: u32 = 1;
    for (let k: i32 = 7; k >= 0; k--) {
      const j: usize = <usize>(base | node);
      const bit: u32 = (byte >>> k) & 1;
      const pa = p + (j << 1);
      const na = n + j;
      const pv: u32 = load<u16>(pa);
      let q: u32 = pv >>> 4;
      q = q < 1 ? 1 : q > 4095 ? 4095 : q;
      const range: u32 = b - a;
      const mid: u32 = a + (range >>> 12) * q + (((range & 0xfff) * q) >>> 12);
      // Branch-free (wasm select): the bits of a byte are hard to predict.
      b = select<u32>(mid, b, bit != 0);
      a = select<u32>(a, mid + 1, bit != 0);
      const c: u32 = load<u8>(na);
      const target: i32 = select<i32>(65535, 0, bit != 0);
      const step = truncDiv65536(<i64>(target - <i32>pv) * <i64>load<u32>(rate + ((<usize>c) << 2)));
      store<u16>(pa, <u32>(<i32>pv + step));
      store<u8>(na, select<u32>(c + 1, c, c < LIMIT));
      while (((a ^ b) & 0xff000000) == 0) {
        store<u8>(out + size, b >>> 24);
        size++;
        a = a << 8;
        b = (b << 8) | 255;
      }
      node = (node << 1) | bit;
    }
  }
  x1 = a;
  x2 = b;
  return <u32>size;
}

/** Ends the stream: four bytes of x1 at OUT pin the final interval (as `RangeEncoder.finish`); returns 4. */
export function finish(): u32 {
  let a = x1;
  for (let k: usize = 0; k < 4; k++) {
    store<u8>(OUT + k, a >>> 24);
    a = a << 8;
  }
  return 4;
}
