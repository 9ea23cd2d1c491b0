import { DTYPE_BYTES, Registry, elementCount, isFloatDType, type DType, type DeltaTypePlugin, type ReefPluginModule, type Tensor } from '@reef/core';
import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { contractRegistry } from './services.js';

export interface DeltaTypeContractOptions {
  readonly plugin: ReefPluginModule;
  readonly id: string;
  /** Provides services the plugin needs beyond the suite's (worker-thread COMPUTE_POOL, collecting WARNINGS). */
  readonly provide?: (registry: Registry) => void;
  /** dtypes the type must handle (default: every dtype for lossless types, float dtypes for lossy). */
  readonly dtypes?: readonly DType[];
  /** Shapes to try (default: scalar, empty, 1-D, 2-D, 3-D). */
  readonly shapes?: readonly (readonly number[])[];
  /** Encode options passed through (params). */
  readonly params?: Record<string, number | string | boolean>;
  /** For lossy types: the relative L2 error allowed on a small smooth delta (default 0.05). */
  readonly maxRelativeError?: number;
}

const ALL_DTYPES: DType[] = ['f64', 'f32', 'f16', 'bf16', 'i64', 'i32', 'i16', 'i8', 'u8', 'bool'];
const FLOAT_DTYPES: DType[] = ['f64', 'f32', 'f16', 'bf16'];

/** Random bytes: every bit pattern, so NaN payloads, ±0, ±Inf and subnormals all occur. */
export function randomBitsTensor(dtype: DType, shape: readonly number[], rng: Rng): Tensor {
  const n = elementCount(shape) * DTYPE_BYTES[dtype];
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = dtype === 'bool' ? rng.int(2) : rng.int(256);
  return { dtype, shape: [...shape], data };
}

/** A float tensor near `base`: the same values with a small seeded perturbation (a fine-tuning step). */
export function perturbedTensor(base: Tensor, rng: Rng, relative = 0.01): Tensor {
  const values = toFloat64(base);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] + relative * (Math.abs(values[i]) + 1e-3) * rng.normal();
  return fromFloat64(base.dtype, base.shape, out);
}

/** A tensor of smooth random values (finite), in the given float dtype. */
export function smoothTensor(dtype: DType, shape: readonly number[], rng: Rng): Tensor {
  const n = elementCount(shape);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * 0.1;
  return fromFloat64(dtype, shape, v);
}

/** Float tensor values as float64 (f16 and bf16 decoded from their bit patterns). */
export function toFloat64(t: Tensor): Float64Array {
  const n = elementCount(t.shape);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (t.dtype) {
      case 'f64': out[i] = view.getFloat64(i * 8, true); break;
      case 'f32': out[i] = view.getFloat32(i * 4, true); break;
      case 'bf16': {
        const b = new DataView(new ArrayBuffer(4));
        b.setUint16(0, view.getUint16(i * 2, true)); // bf16 is the high half of an f32
        out[i] = b.getFloat32(0);
        break;
      }
      case 'f16': out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      default: throw new Error(`toFloat64: ${t.dtype} is not a float dtype`);
    }
  }
  return out;
}

function fromFloat64(dtype: DType, shape: readonly number[], v: Float64Array): Tensor {
  const data = new Uint8Array(v.length * DTYPE_BYTES[dtype]);
  const view = new DataView(data.buffer);
  for (let i = 0; i < v.length; i++) {
    switch (dtype) {
      case 'f64': view.setFloat64(i * 8, v[i], true); break;
      case 'f32': view.setFloat32(i * 4, v[i], true); break;
      case 'bf16': {
        const b = new DataView(new ArrayBuffer(4));
        b.setFloat32(0, v[i]);
        view.setUint16(i * 2, b.getUint16(0), true); // truncation is fine for test data
        break;
      }
      case 'f16': view.setUint16(i * 2, floatToHalf(v[i]), true); break;
      default: throw new Error(`fromFloat64: ${dtype} is not a float dtype`);
    }
  }
  return { dtype, shape: [...shape], data };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function floatToHalf(x: number): number {
  // Test-data helper: round toward zero is enough, values are small and finite.
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a < 2 ** -24) return sign;
  if (a < 2 ** -14) return sign | Math.floor(a / 2 ** -24);
  const e = Math.min(30, Math.floor(Math.log2(a)));
  const f = Math.min(1023, Math.floor((a / 2 ** e - 1) * 1024));
  return sign | ((e + 15) << 10) | f;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The contract every delta-type plugin must honour. */
export function describeDeltaTypeContract(options: DeltaTypeContractOptions): void {
  const registry = contractRegistry(options.plugin, options.provide);
  const shapes = options.shapes ?? [[], [0], [17], [5, 7], [2, 3, 4]];

  describe(`delta type contract: ${options.id}`, () => {
    const plugin: DeltaTypePlugin = registry.deltaType(options.id);
    const dtypes = options.dtypes ?? (plugin.lossless ? ALL_DTYPES : FLOAT_DTYPES);
    const encodeOptions = options.params ? { params: options.params } : undefined;

    it('describes itself', () => {
      expect(plugin.kind).toBe('delta');
      expect(plugin.summary.length).toBeGreaterThan(0);
      expect(typeof plugin.lossless).toBe('boolean');
    });

    for (const dtype of dtypes) {
      for (const shape of shapes) {
        it(`${plugin.lossless ? 'round-trips byte for byte' : 'keeps dtype and shape'}: ${dtype} [${shape.join(', ')}]`, async () => {
          const rng = new Rng(elementCount(shape) * 31 + dtype.length);
          let reference: Tensor;
          let target: Tensor;
          if (plugin.lossless) {
            reference = randomBitsTensor(dtype, shape, rng);
            target = randomBitsTensor(dtype, shape, rng);
          } else {
            reference = smoothTensor(dtype, shape, rng);
            target = perturbedTensor(reference, rng);
          }
          if (plugin.supports?.(target, reference)) return;
          const payload = await plugin.encode(target, reference, encodeOptions);
          const back = await plugin.decode(payload, reference);
          expect(back.dtype).toBe(dtype);
          expect([...back.shape]).toEqual([...shape]);
          expect(back.data.length).toBe(target.data.length);
          if (plugin.lossless) {
            expect(bytesEqual(back.data, target.data), 'decoded bytes differ from the target').toBe(true);
          } else if (isFloatDType(dtype) && elementCount(shape) > 0) {
            const t = toFloat64(target);
            const r = toFloat64(reference);
            const b = toFloat64(back);
            let err = 0, norm = 0;
            for (let i = 0; i < t.length; i++) {
              err += (b[i] - t[i]) ** 2;
              norm += (t[i] - r[i]) ** 2;
            }
            // Error measured against the size of the change itself: a lossy delta must beat 'no change'.
            expect(Math.sqrt(err)).toBeLessThanOrEqual((options.maxRelativeError ?? 0.05) * Math.sqrt(norm) + 1e-6 * Math.sqrt(t.length));
          }
        });
      }
    }

    if (plugin.lossless) {
      it('round-trips special float values byte for byte', async () => {
        const specials = new Float32Array([0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, 1.17e-38]);
        const bytes = new Uint8Array(specials.buffer.slice(0));
        // A NaN with a custom payload.
        new DataView(bytes.buffer).setUint32(4 * 4, 0x7fc0beef, true);
        const target: Tensor = { dtype: 'f32', shape: [specials.length], data: bytes };
        const reference: Tensor = { dtype: 'f32', shape: [specials.length], data: new Uint8Array(specials.length * 4) };
        if (plugin.supports?.(target, reference)) return;
        const back = await plugin.decode(await plugin.encode(target, reference), reference);
        expect(bytesEqual(back.data, target.data)).toBe(true);
      });
    }
  });
}
