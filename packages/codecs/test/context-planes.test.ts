import { describe, expect, it } from 'vitest';
import { constants, deflateSync } from 'node:zlib';
import { ByteModel, RangeDecoder, RangeEncoder, contextCodable, toPlanes } from '../src/index.js';
import { encodeByteRun } from '../src/range-coder.js';
import { packPlanes, packPlanesAsync, unpackPlanes } from '../src/node.js';

/** Seeded xorshift so failures reproduce: uniform in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Weight-like f32 values (normal-ish, scale 0.05) and a copy moved by `step` of each one's scale (an SGD epoch). */
function checkpoints(n: number, step: number, seed = 1): { before: Float32Array; after: Float32Array } {
  const r = random(seed);
  const before = new Float32Array(n);
  const after = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    before[i] = (r() + r() + r() - 1.5) * 0.05;
    after[i] = before[i] + (r() - 0.5) * step * 0.05;
  }
  return { before, after };
}

const bytes = (a: Float32Array | Uint16Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** f32 → f16 / bf16 bit patterns by truncation (any 16-bit data will do for the round trips). */
function narrow(a: Float32Array, dtype: 'f16' | 'bf16'): Uint16Array {
  const words = new Uint32Array(a.buffer, a.byteOffset, a.length);
  return Uint16Array.from(words, (w) => (dtype === 'bf16' ? w >>> 16 : ((w >>> 16) & 0x8000) | (Math.max(0, Math.min(31, ((w >>> 23) & 0xff) - 112)) << 10) | ((w >>> 13) & 0x3ff)));
}

describe('adaptive binary range coder', () => {
  it('codes bytes in several contexts back exactly, within 2% of their order-0 entropy per context', () => {
    const r = random(7);
    const n = 50_000;
    const symbols = new Uint8Array(n);
    const contexts = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      contexts[i] = i % 3;
      // context 0: nearly always 0; 1: a few small values; 2: uniform
      symbols[i] = contexts[i] === 0 ? (r() < 0.95 ? 0 : 1) : contexts[i] === 1 ? Math.floor(r() * r() * 8) : Math.floor(r() * 256);
    }
    const enc = new RangeEncoder();
    const model = new ByteModel(3);
    for (let i = 0; i < n; i++) enc.encodeByte(model, contexts[i], symbols[i]);
    const coded = enc.finish();
    let bits = 0;
    for (let c = 0; c < 3; c++) {
      const counts = new Map<number, number>();
      let m = 0;
      for (let i = 0; i < n; i++) {
        if (contexts[i] !== c) continue;
        counts.set(symbols[i], (counts.get(symbols[i]) ?? 0) + 1);
        m++;
      }
      for (const k of counts.values()) bits -= k * Math.log2(k / m);
    }
    expect(coded.length).toBeLessThan((bits / 8) * 1.02 + 64);
    const dec = new RangeDecoder(coded);
    const back = new ByteModel(3);
    for (let i = 0; i < n; i++) expect(dec.decodeByte(back, contexts[i])).toBe(symbols[i]);
    dec.checkEnd('test');
  });

  it('the WebAssembly loop writes the bytes and learns the model of the JS coder, across chunks and with the zero flag', () => {
    const r = random(11);
    const n = 100_000; // three WASM chunks and a part
    const symbols = new Uint8Array(n + 5);
    const contexts = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      contexts[i] = Math.floor(r() * 64);
      // Skewed per context, a third zeros, some noise: every path of the coder (carries, long runs of output).
      symbols[i + 5] = r() < 0.33 ? 0 : r() < 0.5 ? contexts[i] * 3 : Math.floor(r() * 256);
    }
    for (const zeroFlag of [false, true]) {
      const jsModel = new ByteModel(64);
      const wasmModel = new ByteModel(64);
      const js = encodeByteRun(jsModel, symbols, 5, contexts, n, zeroFlag, false);
      const wasm = encodeByteRun(wasmModel, symbols, 5, contexts, n, zeroFlag);
      expect(wasm.length).toBeGreaterThan(n / 4);
      expect(Buffer.from(wasm).equals(Buffer.from(js))).toBe(true);
      expect(Buffer.from(wasmModel.p.buffer).equals(Buffer.from(jsModel.p.buffer))).toBe(true);
      expect(Buffer.from(wasmModel.n).equals(Buffer.from(jsModel.n))).toBe(true);
      // And it decodes with the (JS) decoder.
      const dec = new RangeDecoder(wasm);
      const model = new ByteModel(64);
      const decoded = new Uint8Array(n);
      for (let i = 0; i < n; i++) decoded[i] = zeroFlag && dec.decodeBit(model, contexts[i] << 8) === 1 ? 0 : dec.decodeByte(model, contexts[i]);
      expect(Buffer.from(decoded).equals(Buffer.from(symbols.subarray(5)))).toBe(true);
      dec.checkEnd('test');
    }
  });

  it('a truncated or padded stream fails its end check', () => {
    const enc = new RangeEncoder();
    const model = new ByteModel(1);
    for (let i = 0; i < 5000; i++) enc.encodeByte(model, 0, i % 7);
    const coded = enc.finish();
    for (const bad of [coded.subarray(0, coded.length - 3), Uint8Array.from([...coded, 0, 0])]) {
      const dec = new RangeDecoder(bad);
      const m = new ByteModel(1);
      for (let i = 0; i < 5000; i++) dec.decodeByte(m, 0);
      expect(() => dec.checkEnd('plane 3')).toThrow(/plane 3: context-coded stream has -?\d+ unread bytes/);
    }
  });
});

describe('context-coded byte planes', () => {
  it('are offered for f32 and bf16 (exponent-aligned) and f16 (bytes), not for other data', () => {
    expect(contextCodable('f32', 4, 'exponent-aligned')).toBe(true);
    expect(contextCodable('bf16', 2, 'exponent-aligned')).toBe(true);
    expect(contextCodable('f16', 2, 'bytes')).toBe(true);
    expect(contextCodable('i32', 4, 'bytes')).toBe(false);
    expect(contextCodable('f64', 8, 'bytes')).toBe(false);
    expect(contextCodable(undefined, 4, 'bytes')).toBe(false);
  });

  it('a whole tensor is context-coded up to 1M elements, left to deflate above (the coder would hold a large add back), round-tripping both', async () => {
    // Exponents in a random walk (each element's near the one before): the context coder, whose
    // context is the element before, codes that plane far below Huffman or deflate.
    const r = random(5);
    const words = new Uint32Array((1 << 20) + 4096);
    let e = 120;
    for (let i = 0; i < words.length; i++) {
      e = Math.max(100, Math.min(126, e + (r() < 0.5 ? -1 : 1) * (r() < 0.6 ? 0 : 1)));
      words[i] = ((r() < 0.5 ? 1 : 0) << 31) | (e << 23) | Math.floor(r() * 2 ** 23);
    }
    const data = new Float32Array(words.buffer);
    for (const n of [1 << 20, (1 << 20) + 4096]) {
      const whole = bytes(data.subarray(0, n));
      const packed = await packPlanesAsync(whole, 4, 6, 'f32');
      expect(packed.context?.some(Boolean) ?? false).toBe(n <= 1 << 20);
      expect(Buffer.from(unpackPlanes(packed, 4, whole.length, 'f32')).equals(Buffer.from(whole))).toBe(true);
    }
  });

  it('an XOR delta of two f32 checkpoints: the exponent plane context-coded, smaller than deflate at level 9, decoded exactly', async () => {
    const { before, after } = checkpoints(100_000, 0.02);
    const packed = await packPlanesAsync(bytes(after), 4, 6, 'f32', bytes(before));
    expect(packed.context?.slice(0, 2)).toEqual([false, false]); // noise planes: never context-coded
    expect(packed.context?.[3]).toBe(true);
    // What deflate (the best of its strategies, level 9) makes of the same planes.
    const planes = toPlanes(bytes(after), 4, 'exponent-aligned', bytes(before));
    const n = planes.length / 4;
    for (const k of [2, 3].filter((k) => packed.context?.[k])) {
      const plane = planes.subarray(k * n, (k + 1) * n);
      const deflated = Math.min(...[constants.Z_DEFAULT_STRATEGY, constants.Z_HUFFMAN_ONLY, constants.Z_RLE].map((strategy) => deflateSync(plane, { level: 9, strategy }).length));
      expect(packed.lengths[k], `plane ${k}`).toBeLessThan(deflated);
    }
    const back = unpackPlanes(packed, 4, after.byteLength, 'f32', bytes(before));
    expect(Buffer.from(back).equals(Buffer.from(bytes(after)))).toBe(true);
    // The synchronous packing makes the same choices and bytes.
    const sync = packPlanes(bytes(after), 4, 6, 'f32', bytes(before));
    expect(Buffer.from(sync.bytes).equals(Buffer.from(packed.bytes))).toBe(true);
  });

  it('round-trips whole tensors and deltas of f32, bf16 and f16 exactly, with or without context-coded planes', async () => {
    const { before, after } = checkpoints(40_000, 0.05, 3);
    const cases: [string, number, Uint8Array, Uint8Array][] = [
      ['f32', 4, bytes(after), bytes(before)],
      ['bf16', 2, bytes(narrow(after, 'bf16')), bytes(narrow(before, 'bf16'))],
      ['f16', 2, bytes(narrow(after, 'f16')), bytes(narrow(before, 'f16'))],
    ];
    for (const [dtype, width, target, reference] of cases) {
      for (const ref of [undefined, reference]) {
        const packed = await packPlanesAsync(target, width, 6, dtype, ref);
        const back = unpackPlanes(packed, width, target.length, dtype, ref);
        expect(Buffer.from(back).equals(Buffer.from(target)), `${dtype} ${ref ? 'delta' : 'whole'}`).toBe(true);
      }
    }
  });

  it('planes packed before context coding existed (no `context` list) still unpack', () => {
    const { before, after } = checkpoints(40_000, 0.02, 5);
    const planes = toPlanes(bytes(after), 4, 'exponent-aligned', bytes(before));
    const n = planes.length / 4;
    const stored = [0, 1, 2, 3].map((k) => new Uint8Array(deflateSync(planes.subarray(k * n, (k + 1) * n), { level: 6 })));
    const all = new Uint8Array(stored.reduce((s, p) => s + p.length, 0));
    stored.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    const back = unpackPlanes({ bytes: all, lengths: stored.map((p) => p.length), deflated: [true, true, true, true], layout: 'exponent-aligned' }, 4, after.byteLength, 'f32', bytes(before));
    expect(Buffer.from(back).equals(Buffer.from(bytes(after)))).toBe(true);
  });

  it('refuses context flags on data that has no context model, and a damaged context-coded plane', async () => {
    const { before, after } = checkpoints(40_000, 0.02, 9);
    const packed = await packPlanesAsync(bytes(after), 4, 6, 'f32', bytes(before));
    expect(packed.context?.[3]).toBe(true);
    expect(() => unpackPlanes({ ...packed, layout: 'bytes' }, 4, after.byteLength, 'i32', bytes(before))).toThrow(/context-coded planes, which i32 data in layout bytes does not have/);
    // Plane 3 (stored last) with a byte appended: its stream is not read to its end.
    const lengths = [...packed.lengths];
    lengths[3] += 1;
    const padded = Uint8Array.from([...packed.bytes, 0]);
    expect(() => unpackPlanes({ ...packed, bytes: padded, lengths }, 4, after.byteLength, 'f32', bytes(before))).toThrow(/byte plane 3 does not decode: byte plane 3: context-coded stream has -?\d+ unread bytes/);
  });
});
