import { DTYPE_BYTES, Registry, type DType, type Tensor } from '@reef/core';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const FLOAT_DTYPES: DType[] = ['f64', 'f32', 'f16', 'bf16'];
const registry = new Registry();
registry.use(plugin);

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

/** Special bit patterns of each float width: ±0, ±Inf, quiet and signalling NaNs with payloads, subnormals. */
function specials(dtype: DType): Uint8Array {
  const width = DTYPE_BYTES[dtype];
  const patterns: bigint[] =
    width === 8
      ? [0n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000001n, 0x7ff0000000000001n, 0xfff4000000abcdefn, 1n, 0x800fffffffffffffn]
      : width === 4
        ? [0n, 0x80000000n, 0x7f800000n, 0xff800000n, 0x7fc00001n, 0x7f800001n, 0xffa0beefn, 1n, 0x807fffffn]
        : dtype === 'f16'
          ? [0n, 0x8000n, 0x7c00n, 0xfc00n, 0x7e01n, 0x7c01n, 0xfd55n, 1n, 0x83ffn]
          : [0n, 0x8000n, 0x7f80n, 0xff80n, 0x7fc1n, 0x7f81n, 0xffa5n, 1n, 0x807fn];
  const out = new Uint8Array(patterns.length * width);
  patterns.forEach((p, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = Number((p >> BigInt(8 * k)) & 0xffn);
  });
  return out;
}

function tensor(dtype: DType, data: Uint8Array): Tensor {
  return { dtype, shape: [data.length / DTYPE_BYTES[dtype]], data };
}

describe('lossless delta types: property tests over random bit patterns', () => {
  for (const id of ['xor-planes', 'float-diff', 'sparse', 'low-rank-residual']) {
    for (const dtype of FLOAT_DTYPES) {
      it(`${id} ${dtype}: random targets, random and nearby references, special values, byte-exact`, async () => {
        const delta = registry.deltaType(id);
        const width = DTYPE_BYTES[dtype];
        for (let trial = 0; trial < 20; trial++) {
          const n = 1 + ((trial * 37) % 300);
          const target = bytesFrom(trial * 1000 + width, n * width);
          // Splice special values in at random places, in both target and reference.
          const sp = specials(dtype);
          target.set(sp.subarray(0, Math.min(sp.length, target.length)), ((trial * width) % n) * width > target.length - sp.length ? 0 : ((trial * width) % n) * width);
          const nearby = target.slice();
          for (let i = trial % 3; i < nearby.length; i += 7) nearby[i] ^= 1 << (trial % 8); // a few flipped bits
          const references = [bytesFrom(trial * 7 + 3, n * width), nearby, new Uint8Array(n * width)];
          for (const refBytes of references) {
            const t = tensor(dtype, target);
            const r = tensor(dtype, refBytes);
            if (delta.supports?.(t, r)) continue;
            const back = await delta.decode(await delta.encode(t, r), r);
            expect(back.dtype).toBe(dtype);
            expect(Buffer.from(back.data).equals(Buffer.from(target))).toBe(true);
          }
        }
      });
    }
  }

  it('float-diff takes every f32 and f64 bit pattern, and keeps NaN payloads through exceptions', async () => {
    const delta = registry.deltaType('float-diff');
    for (const dtype of ['f32', 'f64'] as DType[]) {
      const t = tensor(dtype, specials(dtype));
      const r = tensor(dtype, specials(dtype).reverse());
      const payload = await delta.encode(t, r);
      expect(Number(payload.attributes.exceptions)).toBeGreaterThan(0);
      const back = await delta.decode(payload, r);
      expect(Buffer.from(back.data).equals(Buffer.from(t.data))).toBe(true);
    }
  });

  it('small changes to float weights compress well below the raw size', async () => {
    const n = 4096;
    const ref = new Float32Array(n).map((_, i) => Math.sin(i) * 0.1);
    const next = ref.map((v, i) => v + 1e-4 * Math.cos(i * 3));
    const r = tensor('f32', new Uint8Array(ref.buffer));
    const t = tensor('f32', new Uint8Array(next.buffer));
    for (const id of ['xor-planes', 'float-diff']) {
      const payload = await registry.deltaType(id).encode(t, r);
      const stored = Object.values(payload.arrays).reduce((s, a) => s + a.data.byteLength, 0);
      expect(stored).toBeLessThan(t.data.length * 0.8);
    }
    // A handful of changed elements: sparse is far smaller than the tensor.
    const few = ref.slice();
    few[10] = 1; few[4000] = -2;
    const payload = await registry.deltaType('sparse').encode(tensor('f32', new Uint8Array(few.buffer)), r);
    expect(Object.values(payload.arrays).reduce((s, a) => s + a.data.byteLength, 0)).toBeLessThan(64);
  });

  it('handles tensor data at unaligned offsets (views into a file buffer)', async () => {
    for (const id of ['xor-planes', 'float-diff', 'sparse', 'low-rank-residual']) {
      const delta = registry.deltaType(id);
      const file = bytesFrom(99, 1 + 400 * 4 + 3);
      const target = tensor('f32', file.subarray(1, 1 + 400 * 4));
      const reference = tensor('f32', bytesFrom(98, 2 + 400 * 4).subarray(2));
      const back = await delta.decode(await delta.encode(target, reference), reference);
      expect(Buffer.from(back.data).equals(Buffer.from(target.data))).toBe(true);
    }
  });

  it('refuses mismatched references and corrupt payloads with ReefErrors', async () => {
    const delta = registry.deltaType('xor-planes');
    const t = tensor('f32', bytesFrom(1, 40));
    expect(delta.supports?.(t, tensor('f64', bytesFrom(2, 80)))).toMatch(/dtype/);
    expect(() => delta.encode(t, tensor('f32', bytesFrom(2, 36)))).toThrow(/elements/);
    const payload = await delta.encode(t, tensor('f32', bytesFrom(3, 40)));
    const arr = payload.arrays.xor.data as Uint8Array;
    const broken = { ...payload, arrays: { xor: { data: arr.subarray(0, arr.length - 3), shape: [arr.length - 3] } } };
    expect(() => delta.decode(broken, tensor('f32', bytesFrom(3, 40)))).toThrow(expect.objectContaining({ name: 'ReefError' }));
  });
});
