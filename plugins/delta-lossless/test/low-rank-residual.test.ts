import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DTYPE_BYTES, bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsToFloat, type DType, type DeltaPayload, type Tensor } from '@reef/core';
import { describe, expect, it, vi } from 'vitest';
import { lowRankResidual, xorPlanes } from '../src/index.js';
import { RESIDUAL_ALWAYS_BYTES } from '../src/low-rank-residual.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** A tensor of a tiny-mlp fixture (real PyTorch weights: Linear(64, 32) is `0.weight`, 32 × 64). */
function fixtureTensor(dtype: 'f32' | 'f16' | 'bf16', name: string): Tensor {
  const file = readFileSync(`${FIXTURES}tiny-mlp-${dtype}.safetensors`);
  const headerLength = Number(file.readBigUInt64LE(0));
  const entry = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'))[name] as { shape: number[]; data_offsets: [number, number] };
  const body = 8 + headerLength;
  return { dtype, shape: entry.shape, data: new Uint8Array(file.subarray(body + entry.data_offsets[0], body + entry.data_offsets[1])) };
}

/** Seeded standard normals (xorshift + Box-Muller) so failures reproduce. */
function normals(seed: number, n: number): Float64Array {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

function values(t: Tensor): Float64Array {
  if (t.dtype === 'f32') return Float64Array.from(new Float32Array(new Uint8Array(t.data).buffer));
  const bits = new Uint16Array(new Uint8Array(t.data).buffer);
  return Float64Array.from(bits, (b) => (t.dtype === 'f16' ? halfBitsToFloat(b) : bf16BitsToFloat(b)));
}

function fromValues(dtype: 'f32' | 'f16' | 'bf16', shape: number[], v: Float64Array): Tensor {
  if (dtype === 'f32') return { dtype, shape, data: new Uint8Array(Float32Array.from(v).buffer) };
  const bits = Uint16Array.from(v, (x) => (dtype === 'f16' ? floatToHalfBits(x) : floatToBf16Bits(x)));
  return { dtype, shape, data: new Uint8Array(bits.buffer) };
}

/** `base` + B A with B (rows × rank) and A (rank × cols) seeded, scaled to `scale` × the base's RMS per element. */
function loraMerged(base: Float64Array, rows: number, cols: number, rank: number, scale: number, seed: number): Float64Array {
  const rms = Math.sqrt(base.reduce((s, x) => s + x * x, 0) / base.length);
  const b = normals(seed, rows * rank);
  const a = normals(seed + 1, rank * cols);
  const out = base.slice();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let x = 0;
      for (let c = 0; c < rank; c++) x += b[i * rank + c] * a[c * cols + j];
      out[i * cols + j] += (scale * rms * x) / Math.sqrt(rank);
    }
  }
  return out;
}

const bytesOf = (p: DeltaPayload) => Object.values(p.arrays).reduce((s, a) => s + a.data.byteLength, 0);

async function roundTrip(target: Tensor, reference: Tensor): Promise<DeltaPayload> {
  const payload = lowRankResidual.encode(target, reference) as DeltaPayload;
  const back = await lowRankResidual.decode(payload, reference);
  expect(back.dtype).toBe(target.dtype);
  expect(back.shape).toEqual(target.shape);
  expect(Buffer.from(back.data).equals(Buffer.from(target.data))).toBe(true);
  return payload;
}

describe('low-rank-residual: a merged LoRA adapter on real weights', () => {
  const base32 = fixtureTensor('f32', '0.weight');
  const [rows, cols] = base32.shape;
  const base = values(base32);

  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    it(`an ${dtype} merge (W + B A, rank 2) against the ${dtype} copy of W: factors found, byte-exact, far below xor-planes`, async () => {
      // The reference is the fixture's own file of that dtype (PyTorch's casts of the same weights).
      const reference = fixtureTensor(dtype, '0.weight');
      const target = fromValues(dtype, [rows, cols], loraMerged(base, rows, cols, 2, 0.5, 7));
      const payload = await roundTrip(target, reference);
      expect(Number(payload.attributes.rank)).toBeGreaterThanOrEqual(1);
      const xor = await xorPlanes.encode(target, reference);
      expect(bytesOf(payload)).toBeLessThan(0.6 * bytesOf(xor));
    });
  }

  it('an f32 merge with NaN, ±Inf, ±0 and subnormals put in target, reference or both stays byte-exact', async () => {
    const merged = loraMerged(base, rows, cols, 2, 0.5, 11);
    const target = fromValues('f32', [rows, cols], merged);
    const reference = { ...base32, data: new Uint8Array(base32.data) };
    const specials = [0x7fc00001, 0xffa0beef, 0x7f800000, 0xff800000, 0x80000000, 0, 1, 0x807fffff, 0x00400000];
    const tw = new Uint32Array(target.data.buffer);
    const rw = new Uint32Array(reference.data.buffer);
    specials.forEach((bits, k) => {
      tw[k * 97] = bits; // in the target only
      rw[k * 131 + 5] = bits; // in the reference only
      tw[k * 151 + 9] = bits; // in both
      rw[k * 151 + 9] = specials[(k + 3) % specials.length];
    });
    await roundTrip(target, reference);
  });

  it('an update that is not low-rank fits no factors and is still byte-exact and no larger than xor-planes', async () => {
    const noise = normals(5, base.length);
    const rms = Math.sqrt(base.reduce((s, x) => s + x * x, 0) / base.length);
    const target = fromValues('f32', [rows, cols], base.map((x, i) => x + 1e-3 * rms * noise[i]));
    const payload = await roundTrip(target, base32);
    expect(Number(payload.attributes.rank)).toBe(0);
    expect(bytesOf(payload)).toBeLessThanOrEqual(bytesOf(await xorPlanes.encode(target, base32)));
  });
});

describe('low-rank-residual: the quick look on a matrix of more than 64 rows', () => {
  const rows = 256;
  const cols = 192;
  const base = normals(21, rows * cols).map((x) => 0.05 * x);
  const reference = fromValues('f32', [rows, cols], base);

  it('finds a rank-4 merge whose four components are of similar size (none pays alone), far below xor-planes', async () => {
    const target = fromValues('f32', [rows, cols], loraMerged(base, rows, cols, 4, 0.5, 23));
    const payload = await roundTrip(target, reference);
    expect(Number(payload.attributes.rank)).toBe(4);
    expect(bytesOf(payload)).toBeLessThan(0.5 * bytesOf(await xorPlanes.encode(target, reference)));
  });

  it('fits nothing to an SGD-like update (noise), whose further components save less and less', async () => {
    const noise = normals(25, rows * cols);
    const target = fromValues('f32', [rows, cols], base.map((x, i) => x + 1e-3 * noise[i]));
    const payload = await roundTrip(target, reference);
    expect(Number(payload.attributes.rank)).toBe(0);
  });
});

describe('low-rank-residual: without WebAssembly', () => {
  it('the JS loops alone find the same rank and decode the WASM build\'s payloads, and it theirs', async () => {
    const base32 = fixtureTensor('f32', '0.weight');
    const [rows, cols] = base32.shape;
    const target = fromValues('f32', [rows, cols], loraMerged(values(base32), rows, cols, 2, 0.5, 13));
    const withWasm = lowRankResidual.encode(target, base32) as DeltaPayload;
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const { lowRankResidual: jsOnly } = await import('../src/low-rank-residual.js');
      const { workspace } = await import('../src/low-rank-kernels.js');
      expect(workspace(64).f64(1).buffer.byteLength).toBe(8); // a plain array: the JS loops are in use
      const withJs = jsOnly.encode(target, base32) as DeltaPayload;
      expect(withJs.attributes.rank).toBe(withWasm.attributes.rank);
      expect(Number(withJs.attributes.rank)).toBeGreaterThanOrEqual(2);
      expect(Buffer.from((await jsOnly.decode(withWasm, base32)).data).equals(Buffer.from(target.data))).toBe(true);
      expect(Buffer.from((await lowRankResidual.decode(withJs, base32)).data).equals(Buffer.from(target.data))).toBe(true);
      // Bytes within 1% (the two fits sum in different orders, so their factors' last bits differ).
      expect(Math.abs(bytesOf(withJs) - bytesOf(withWasm))).toBeLessThan(0.01 * bytesOf(withWasm));
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

describe('low-rank-residual: every bit pattern', () => {
  /** Seeded random bit patterns. */
  function bytesFrom(seed: number, n: number): Uint8Array {
    let s = seed >>> 0 || 1;
    return Uint8Array.from({ length: n }, () => {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      return s & 0xff;
    });
  }

  for (const dtype of ['f32', 'f16', 'bf16'] as DType[]) {
    it(`${dtype}: random patterns against random, nearby and equal references, 1-D and 2-D, byte-exact`, async () => {
      const width = DTYPE_BYTES[dtype];
      for (const shape of [[1], [7], [300], [16, 24], [9, 33, 2]]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const target = bytesFrom(n * 3 + width, n * width);
        const nearby = target.slice();
        for (let i = 0; i < nearby.length; i += 5) nearby[i] ^= 1 << (i % 8);
        for (const ref of [bytesFrom(n + 17, n * width), nearby, target.slice()]) {
          await roundTrip({ dtype, shape, data: target }, { dtype, shape, data: ref });
        }
      }
    });
  }

  it('reads tensors at unaligned offsets', async () => {
    const file = bytesFrom(3, 1 + 64 * 4);
    const refFile = bytesFrom(4, 3 + 64 * 4);
    await roundTrip({ dtype: 'f32', shape: [8, 8], data: file.subarray(1) }, { dtype: 'f32', shape: [8, 8], data: refFile.subarray(3) });
  });
});

describe('low-rank-residual: what it refuses', () => {
  const t: Tensor = { dtype: 'f32', shape: [4, 4], data: new Uint8Array(64).fill(1) };

  it('supports f32, f16 and bf16 against the same dtype and size only', () => {
    expect(lowRankResidual.supports?.(t, t)).toBeUndefined();
    expect(lowRankResidual.supports?.({ dtype: 'f64', shape: [4], data: new Uint8Array(32) }, { dtype: 'f64', shape: [4], data: new Uint8Array(32) })).toMatch(/f64/);
    expect(lowRankResidual.supports?.(t, { dtype: 'f16', shape: [4, 4], data: new Uint8Array(32) })).toMatch(/dtype/);
  });

  it('throws a ReefError on a truncated or padded payload', async () => {
    const reference: Tensor = { ...t, data: new Uint8Array(64) };
    const payload = lowRankResidual.encode({ ...t, data: Uint8Array.from({ length: 64 }, (_, i) => i * 7) }, reference) as DeltaPayload;
    for (const name of ['coded', 'raw']) {
      const arr = payload.arrays[name].data as Uint8Array;
      for (const bad of [arr.subarray(0, arr.length - 1), Uint8Array.from([...arr, 0])]) {
        const broken = { ...payload, arrays: { ...payload.arrays, [name]: { data: bad, shape: [bad.length] } } };
        expect(() => lowRankResidual.decode(broken, reference)).toThrow(expect.objectContaining({ name: 'ReefError' }));
      }
    }
    const wrongRank = { ...payload, attributes: { ...payload.attributes, rank: 2 } };
    expect(() => lowRankResidual.decode(wrongRank, reference)).toThrow(expect.objectContaining({ name: 'ReefError' }));
  });

  it(`is worth trying on anything up to ${RESIDUAL_ALWAYS_BYTES >> 20} MiB, above only where the update looks low-rank`, () => {
    const rows = 1024;
    const cols = 1280; // 5 MiB of f32
    const base = normals(1, rows * cols).map((x) => 0.05 * x);
    const reference = fromValues('f32', [rows, cols], base);
    const noise = normals(2, rows * cols);
    const noisy = fromValues('f32', [rows, cols], base.map((x, i) => x + 1e-4 * noise[i]));
    const merged = fromValues('f32', [rows, cols], loraMerged(base, rows, cols, 4, 0.2, 3));
    expect(lowRankResidual.worthTrying?.({ ...reference, shape: [64, 64], data: reference.data.subarray(0, 64 * 64 * 4) }, { ...reference, shape: [64, 64], data: reference.data.subarray(0, 64 * 64 * 4) })).toBe(true);
    expect(lowRankResidual.worthTrying?.(noisy, reference)).toBe(false);
    expect(lowRankResidual.worthTrying?.(merged, reference)).toBe(true);
  });
});
