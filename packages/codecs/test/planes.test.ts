import { DTYPE_BYTES, type DType } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { alignExponent, fromPlanes, hasRun, layoutFor, splitPlanes, toPlanes } from '../src/index.js';
import { packPlanes, packPlanesAsync, unpackPlanes } from '../src/node.js';
import { constants, deflateSync } from 'node:zlib';

/** Seeded xorshift so failures reproduce. */
function bytesFrom(seed: number, n: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

describe('byte planes', () => {
  it('exponent alignment is a bit permutation: invertible on every pattern, exponent in the top byte', () => {
    for (const [dtype, width] of [['f32', 4], ['bf16', 2]] as const) {
      const data = bytesFrom(width * 77, 4096 * width);
      const aligned = alignExponent(data, dtype);
      expect(Buffer.from(alignExponent(aligned, dtype, true)).equals(Buffer.from(data))).toBe(true);
      const view = new DataView(data.buffer);
      for (let i = 0; i < 64; i++) {
        const exponent = width === 4 ? (view.getUint32(i * 4, true) >>> 23) & 0xff : (view.getUint16(i * 2, true) >>> 7) & 0xff;
        expect(aligned[i * width + width - 1]).toBe(exponent);
      }
    }
  });

  it('without a run of four equal bytes zlib RLE codes exactly what Huffman-only does (its trial is skipped then)', () => {
    for (const seed of [1, 2, 3]) {
      const bytes = bytesFrom(seed, 20_000).map((b) => b & 0x0f); // skewed: compressible, with repeats
      for (let i = 3; i < bytes.length; i++) if (bytes[i] === bytes[i - 1] && bytes[i] === bytes[i - 2] && bytes[i] === bytes[i - 3]) bytes[i] ^= 1;
      expect(hasRun(bytes)).toBe(false);
      const huffman = deflateSync(bytes, { level: 6, strategy: constants.Z_HUFFMAN_ONLY });
      expect(deflateSync(bytes, { level: 6, strategy: constants.Z_RLE }).equals(huffman)).toBe(true);
      bytes.fill(7, 100, 104);
      expect(hasRun(bytes)).toBe(true);
    }
  });

  it('the fused plane split equals XOR, exponent alignment and split done apart, and inverts', () => {
    // 999 elements: the element-wise loops; 1000 (a multiple of 4): the four-at-a-time 32-bit ones.
    for (const count of [999, 1000]) {
      for (const dtype of ['f64', 'f32', 'f16', 'bf16', 'i8', 'i32'] as DType[]) {
        const width = DTYPE_BYTES[dtype];
        const target = bytesFrom(width * 5 + 1, 1 + count * width).subarray(1); // unaligned, as in a file buffer
        const reference = bytesFrom(width * 5 + 2, count * width);
        const xor = target.map((b, i) => b ^ reference[i]);
        const layout = layoutFor(dtype);
        const where = `${dtype}, ${count} elements`;
        expect(Buffer.from(toPlanes(target, width, layout, reference)).equals(Buffer.from(splitPlanes(layout === 'bytes' ? xor : alignExponent(xor, dtype), width))), where).toBe(true);
        expect(Buffer.from(fromPlanes(toPlanes(target, width, layout, reference), width, layout, reference)).equals(Buffer.from(target)), where).toBe(true);
        // Without a reference (whole tensors).
        const plain = toPlanes(target, width, layout);
        expect(Buffer.from(plain).equals(Buffer.from(splitPlanes(layout === 'bytes' ? target : alignExponent(target, dtype), width))), `${where}, whole`).toBe(true);
        expect(Buffer.from(fromPlanes(plain, width, layout)).equals(Buffer.from(target)), `${where}, whole`).toBe(true);
      }
    }
  });

  it('planes above 256 KiB (strategy measured on a sample) round-trip; sync and thread-pool packing agree', async () => {
    // Weight-like f32: a repetitive exponent plane, noisy low mantissa, and a run of zeros (padding).
    const n = 700_000;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = i > 600_000 ? 0 : Math.sin(i * 0.37) * 0.05 * (1 + (i % 7));
    const bytes = new Uint8Array(values.buffer);
    const sync = packPlanes(bytes, 4, 6, 'f32');
    const pooled = await packPlanesAsync(bytes, 4, 6, 'f32');
    expect(Buffer.from(pooled.bytes).equals(Buffer.from(sync.bytes))).toBe(true);
    expect(pooled.deflated).toEqual(sync.deflated);
    expect(pooled.context).toEqual(sync.context);
    expect(sync.deflated[3] || sync.context?.[3]).toBe(true); // the exponent plane compresses (deflated or context-coded)
    expect(sync.bytes.length).toBeLessThan(bytes.length * 0.8);
    expect(Buffer.from(unpackPlanes(sync, 4, bytes.length, 'f32')).equals(Buffer.from(bytes))).toBe(true);
    const noise = bytesFrom(5, 2_000_000);
    const packedNoise = await packPlanesAsync(noise, 2, 6, 'bf16');
    expect(packedNoise.deflated).toEqual([false, false]); // measured incompressible: stored raw
    expect(packedNoise.context).toBeUndefined();
    expect(Buffer.from(unpackPlanes(packedNoise, 2, noise.length, 'bf16')).equals(Buffer.from(noise))).toBe(true);
  });

  it('stores planes of at most 64 bytes raw (nothing worth a zlib stream), larger zero planes deflated; both round-trip', async () => {
    // 64 f32 elements: 64-byte planes, kept raw even where deflate would shrink them (a zero exponent plane).
    const small = new Uint8Array(new Float32Array(64).map((_, i) => i * 1e-3).buffer);
    const packed = await packPlanesAsync(small, 4, 6, 'f32');
    expect(packed.deflated).toEqual([false, false, false, false]);
    expect(Buffer.from(unpackPlanes(packed, 4, small.length, 'f32')).equals(Buffer.from(small))).toBe(true);
    const zeros = new Uint8Array(4 * 65);
    expect((await packPlanesAsync(zeros, 4, 6, 'f32')).deflated).toEqual([true, true, true, true]);
    expect(packPlanes(new Uint8Array(4 * 64), 4, 6, 'f32').deflated).toEqual([false, false, false, false]);
  });
});
