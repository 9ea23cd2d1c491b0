// AssemblyScript source of the residual coder's loops (compiled by `pnpm build:wasm`, which embeds
// the binary in src/wasm-binary.ts). The encoder is src/residual-coder.ts's `encodeResidualsJs` in
// u32 arithmetic: the same decisions, model updates and output bytes (tests compare the two); the
// decoder is its `decodeResidualsJs` (the same values, and the same refusals of a bad stream).
// Nothing is allocated here (the stub runtime suffices); the caller fills fixed regions of linear
// memory, a chunk of at most CHUNK elements at a time: Z (u32 zigzag residuals), E (u8 exponent
// field of each prediction); the chunk's output lands at CODED (range-coded decisions) and RAW
// (raw low bits). The coder's interval, the raw bits pending, the position in the row and the row
// above's sizes (at SIZES, 4 bytes per column, after the fixed regions) live on between chunks.

export const P: usize = 0; // u16 probabilities: 48 length contexts × 256, then the "below" model (256)
export const N: usize = 32768; // u8 use counts, same indices
export const RATE: usize = 49152; // 61 u32 learning rates (ADAPT_RATE)
export const CHUNK: u32 = 8192;
export const Z: usize = 65536;
export const E: usize = Z + (<usize>CHUNK << 2);
/** At most 6 raw bytes per element: a 6-bit length, 30 low bits and 7 pending. */
export const RAW: usize = E + <usize>CHUNK;
/** At most 15 decisions per element, each writing at most 4 bytes. */
export const CODED: usize = RAW + (<usize>CHUNK << 3);
/** The chunk's target and prediction bit patterns (u32 each, 16-bit ones widened), for residualsRun and targetsRun. */
export const T: usize = CODED + (<usize>CHUNK << 6);
export const PRED: usize = T + (<usize>CHUNK << 2);
export const SIZES: usize = PRED + (<usize>CHUNK << 2);

const CONTEXTS: i32 = 48;
const BELOW: u32 = 48 << 8;
const UNARY_MAX: i32 = 12;
const LIMIT: u32 = 60;
const NODE_ZERO: u32 = 1;
const NODE_SIGN: u32 = 2;
const NODE_UNARY: u32 = 3;

let x1: u32 = 0;
let x2: u32 = 0xffffffff;
let acc: u64 = 0;
let accBits: u32 = 0;
let index: u32 = 0;
let column: u32 = 0;
let cols: u32 = 1;
let rawWritten: u32 = 0;

/** A new stream over rows of `columns` elements: fresh models, interval and raw bits. */
export function start(columns: u32): void {
  rawOk = true;
  for (let k: usize = 0; k < <usize>(BELOW + 256); k++) {
    store<u16>(P + (k << 1), 32768);
    store<u8>(N + k, 0);
  }
  x1 = 0;
  x2 = 0xffffffff;
  acc = 0;
  accBits = 0;
  index = 0;
  column = 0;
  cols = columns;
}

/** v / 65536 truncated toward zero, as JS's `v / 65536 | 0` (here |v| < 2^32). */
// @ts-ignore: decorator
@inline function truncDiv65536(v: i64): i32 {
  return <i32>((v + ((v >> 63) & 0xffff)) >> 16);
}

/** Raw bytes the last `encodeRun` or `finish` wrote at RAW. */
export function rawBytes(): u32 {
  return rawWritten;
}

/** Codes the `count` elements at Z and E; returns how many bytes it wrote at CODED. */
export function encodeRun(count: u32): u32 {
  let a = x1;
  let b = x2;
  let size: usize = 0;
  let rs: usize = 0;
  let pending = acc;
  let pendingBits = accBits;
  let i = index;
  let j = column;
  const width = cols;
  for (let k: u32 = 0; k < count; k++) {
    const v: u32 = load<u32>(Z + (<usize>k << 2));
    const L: u32 = v == 0 ? 0 : 32 - clz<u32>(v);
    const ex: i32 = <i32>load<u8>(E + <usize>k);
    const left: i32 = j != 0 ? load<i32>(SIZES + (<usize>(j - 1) << 2)) : -1;
    const up: i32 = i >= width ? load<i32>(SIZES + (<usize>j << 2)) : -1;
    let ctx: i32 = 0;
    if (left >= 0 || up >= 0) {
      const guess: i32 = left >= 0 && up >= 0 ? (left + up + 1) >> 1 : max<i32>(left, up);
      const c: i32 = guess - ex + 1;
      ctx = c < 1 ? 1 : c >= CONTEXTS ? CONTEXTS - 1 : c;
    }
    const base: u32 = (<u32>ctx) << 8;
    const rel: i32 = <i32>L - (ctx > 0 ? ctx - 1 : 0);
    // The decisions of this element: (model index, bit), at most 15.
    let decisions: u32 = 0;
    let rawLength = false;
    const m: i32 = rel > 0 ? rel : -rel;
    const unary: i32 = m > UNARY_MAX ? UNARY_MAX : m; // unary decisions after the sign
    const total: u32 = rel == 0 ? 1 : 2 + <u32>unary;
    if (m > UNARY_MAX) rawLength = true;
    decisions = total + (L >= 2 ? 1 : 0);
    for (let q: u32 = 0; q < decisions; q++) {
      let at: u32;
      let bit: u32;
      if (q == 0) {
        at = base | NODE_ZERO;
        bit = rel == 0 ? 1 : 0;
      } else if (q == 1 && q < total) {
        at = base | NODE_SIGN;
        bit = rel > 0 ? 1 : 0;
      } else if (q < total) {
        const step: u32 = q - 1; // |L - g| = step?
        at = base | (NODE_UNARY + step - 1);
        bit = <i32>step == m ? 1 : 0;
      } else {
        at = BELOW + L;
        bit = (v >>> (L - 2)) & 1;
      }
      const pa = P + (<usize>at << 1);
      const na = N + <usize>at;
      const pv: u32 = load<u16>(pa);
      let p: u32 = pv >>> 4;
      p = p < 1 ? 1 : p > 4095 ? 4095 : p;
      const range: u32 = b - a;
      const mid: u32 = a + (range >>> 12) * p + (((range & 0xfff) * p) >>> 12);
      b = select<u32>(mid, b, bit != 0);
      a = select<u32>(a, mid + 1, bit != 0);
      const c: u32 = load<u8>(na);
      const target: i32 = select<i32>(65535, 0, bit != 0);
      const delta = truncDiv65536(<i64>(target - <i32>pv) * <i64>load<u32>(RATE + ((<usize>c) << 2)));
      store<u16>(pa, <u32>(<i32>pv + delta));
      store<u8>(na, select<u32>(c + 1, c, c < LIMIT));
      while (((a ^ b) & 0xff000000) == 0) {
        store<u8>(CODED + size, b >>> 24);
        size++;
        a = a << 8;
        b = (b << 8) | 255;
      }
    }
    // Raw bits, least significant first: the length when far from its guess, then the L - 2 low bits.
    if (rawLength) {
      pending |= (<u64>L) << pendingBits;
      pendingBits += 6;
    }
    if (L > 2) {
      const low: u32 = L - 2;
      pending |= (<u64>(v & (<u32>((<u64>1 << low) - 1)))) << pendingBits;
      pendingBits += low;
    }
    while (pendingBits >= 8) {
      store<u8>(RAW + rs, <u32>(pending & 0xff));
      rs++;
      pending >>= 8;
      pendingBits -= 8;
    }
    store<i32>(SIZES + (<usize>j << 2), <i32>L + ex);
    i++;
    j++;
    if (j == width) j = 0;
  }
  x1 = a;
  x2 = b;
  acc = pending;
  accBits = pendingBits;
  index = i;
  column = j;
  rawWritten = <u32>rs;
  return <u32>size;
}

/** Ends the stream: four bytes of x1 at CODED (returns 4) and the last raw bits at RAW (`rawBytes`). */
export function finish(): u32 {
  let a = x1;
  for (let k: usize = 0; k < 4; k++) {
    store<u8>(CODED + k, a >>> 24);
    a = a << 8;
  }
  rawWritten = 0;
  if (accBits > 0) {
    store<u8>(RAW, <u32>(acc & 0xff));
    rawWritten = 1;
  }
  return 4;
}

// The decoder: `startDecode` with the whole coded stream at `coded` and the raw bits at `raw` (both
// after SIZES, placed by the caller), then `decodeRun` per chunk (E in, Z out), then `codedLeft` and `rawLeft`.

let codedAt: usize = 0;
let codedEnd: usize = 0;
let rawAt: usize = 0;
let rawEnd: usize = 0;
let x: u32 = 0;

/** The next coded byte, 0 past the end (counted, so `codedLeft` sees a truncated stream). */
// @ts-ignore: decorator
@inline function nextByte(): u32 {
  const b: u32 = codedAt < codedEnd ? <u32>load<u8>(codedAt) : 0;
  codedAt++;
  return b;
}

export function startDecode(columns: u32, coded: usize, codedLength: u32, raw: usize, rawLength: u32): void {
  start(columns);
  codedAt = coded;
  codedEnd = coded + codedLength;
  rawAt = raw;
  rawEnd = raw + rawLength;
  x = 0;
  for (let k = 0; k < 4; k++) x = (x << 8) | nextByte();
}

// @ts-ignore: decorator
@inline function decodeBit(at: u32): u32 {
  const pa = P + (<usize>at << 1);
  const na = N + <usize>at;
  const pv: u32 = load<u16>(pa);
  let p: u32 = pv >>> 4;
  p = p < 1 ? 1 : p > 4095 ? 4095 : p;
  const range: u32 = x2 - x1;
  const mid: u32 = x1 + (range >>> 12) * p + (((range & 0xfff) * p) >>> 12);
  const bit: u32 = x <= mid ? 1 : 0;
  x2 = select<u32>(mid, x2, bit != 0);
  x1 = select<u32>(x1, mid + 1, bit != 0);
  const c: u32 = load<u8>(na);
  const target: i32 = select<i32>(65535, 0, bit != 0);
  const delta = truncDiv65536(<i64>(target - <i32>pv) * <i64>load<u32>(RATE + ((<usize>c) << 2)));
  store<u16>(pa, <u32>(<i32>pv + delta));
  store<u8>(na, select<u32>(c + 1, c, c < LIMIT));
  while (((x1 ^ x2) & 0xff000000) == 0) {
    x1 = x1 << 8;
    x2 = (x2 << 8) | 255;
    x = (x << 8) | nextByte();
  }
  return bit;
}

/** The next `n` raw bits (n ≤ 32); false in `rawOk` when the raw bytes end first. */
let rawOk = true;
// @ts-ignore: decorator
@inline function readRaw(n: u32): u32 {
  while (accBits < n) {
    if (rawAt >= rawEnd) {
      rawOk = false;
      return 0;
    }
    acc |= (<u64>load<u8>(rawAt)) << accBits;
    rawAt++;
    accBits += 8;
  }
  const v = <u32>(acc & ((<u64>1 << n) - 1));
  acc >>= n;
  accBits -= n;
  return v;
}

/**
 * Decodes `count` residuals into Z given their exponents at E; returns 0, or -1 when a bit length
 * is out of range (then the length at Z[0]), -2 when the raw bits end early.
 */
export function decodeRun(count: u32): i32 {
  let i = index;
  let j = column;
  const width = cols;
  for (let k: u32 = 0; k < count; k++) {
    const ex: i32 = <i32>load<u8>(E + <usize>k);
    const left: i32 = j != 0 ? load<i32>(SIZES + (<usize>(j - 1) << 2)) : -1;
    const up: i32 = i >= width ? load<i32>(SIZES + (<usize>j << 2)) : -1;
    let ctx: i32 = 0;
    if (left >= 0 || up >= 0) {
      const guess: i32 = left >= 0 && up >= 0 ? (left + up + 1) >> 1 : max<i32>(left, up);
      const c: i32 = guess - ex + 1;
      ctx = c < 1 ? 1 : c >= CONTEXTS ? CONTEXTS - 1 : c;
    }
    const base: u32 = (<u32>ctx) << 8;
    let L: i32 = ctx > 0 ? ctx - 1 : 0;
    if (decodeBit(base | NODE_ZERO) == 0) {
      const positive = decodeBit(base | NODE_SIGN) == 1;
      let m: i32 = 1;
      while (m <= UNARY_MAX && decodeBit(base | (NODE_UNARY + <u32>m - 1)) == 0) m++;
      if (m > UNARY_MAX) {
        L = <i32>readRaw(6);
        if (!rawOk) return -2;
      } else L += positive ? m : -m;
    }
    if (L < 0 || L > 32) {
      store<i32>(Z, L);
      return -1;
    }
    let v: u32 = <u32>L;
    if (L >= 2) {
      v = 2 + decodeBit(BELOW + <u32>L);
      if (L > 2) {
        const low = readRaw(<u32>L - 2);
        if (!rawOk) return -2;
        v = (v << (<u32>L - 2)) | low;
      }
    }
    store<u32>(Z + (<usize>k << 2), v);
    store<i32>(SIZES + (<usize>j << 2), L + ex);
    i++;
    j++;
    if (j == width) j = 0;
  }
  index = i;
  column = j;
  return 0;
}

/** Coded bytes left unread at the end (negative: read past the end). */
export function codedLeft(): i32 {
  return <i32>codedEnd - <i32>codedAt;
}

/** Raw bytes left unread at the end. */
export function rawLeft(): i32 {
  return <i32>rawEnd - <i32>rawAt;
}

// The ordered-integer map of src/residual-coder.ts (`residuals32` and the rest): a bit pattern of
// width W as an integer in the order of the floats, the residual of two wrapped to W bits.

// @ts-ignore: decorator
@inline function ordered(b: u32, width: u32): u32 {
  return width == 32 ? b ^ ((<u32>(<i32>b >> 31)) | 0x80000000) : b ^ select<u32>(0xffff, 0x8000, (b & 0x8000) != 0);
}

/** Z (zigzag residuals) and E (the prediction's exponent field) of the chunk's T and PRED. */
export function residualsRun(count: u32, width: u32, shift: u32, mask: u32): void {
  for (let k: u32 = 0; k < count; k++) {
    const pb = load<u32>(PRED + (<usize>k << 2));
    const d: u32 = ordered(load<u32>(T + (<usize>k << 2)), width) - ordered(pb, width);
    const r: i32 = width == 32 ? <i32>d : (<i32>(d << 16)) >> 16;
    store<u32>(Z + (<usize>k << 2), <u32>((r << 1) ^ (r >> 31)));
    store<u8>(E + <usize>k, (pb >>> shift) & mask);
  }
}

/** E of the chunk's PRED (before decodeRun). */
export function exponentsRun(count: u32, shift: u32, mask: u32): void {
  for (let k: u32 = 0; k < count; k++) store<u8>(E + <usize>k, (load<u32>(PRED + (<usize>k << 2)) >>> shift) & mask);
}

/** T of the chunk from PRED and Z (after decodeRun): the inverse of residualsRun. */
export function targetsRun(count: u32, width: u32): void {
  for (let k: u32 = 0; k < count; k++) {
    const z = load<u32>(Z + (<usize>k << 2));
    let m: u32 = ordered(load<u32>(PRED + (<usize>k << 2)), width) + ((z >>> 1) ^ (0 - (z & 1)));
    if (width != 32) m &= 0xffff;
    const top: u32 = width == 32 ? 0x80000000 : 0x8000;
    store<u32>(T + (<usize>k << 2), (m & top) != 0 ? m ^ top : m ^ (width == 32 ? 0xffffffff : 0xffff));
  }
}
