import { Rng } from '@reef/kernels';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { float64ToTensor, readDeltaError, tensorToFloat64 } from '@reef/core/delta';
import { chooseRank } from '../src/index.js';
import { deltaType, fineTuned, fixtureTensor, randomTensor, roundTrip } from './helpers.js';

/** reference + A Bᵀ with A (rows × r), B (cols × r) Gaussian: a delta of rank exactly r. */
function rankRUpdate(rows: number, cols: number, r: number, rng: Rng) {
  const reference = randomTensor('f64', [rows, cols], rng);
  const a = Array.from({ length: rows * r }, () => rng.normal());
  const b = Array.from({ length: cols * r }, () => rng.normal());
  const values = tensorToFloat64(reference);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) for (let k = 0; k < r; k++) values[i * cols + j] += 0.01 * a[i * r + k] * b[j * r + k];
  return { reference, target: float64ToTensor(values, 'f64', [rows, cols]) };
}

describe('low-rank delta type', () => {
  it('recovers a rank-r update with rank r (f64: to rounding), and the energy rule finds r', async () => {
    const rng = new Rng(1);
    const { reference, target } = rankRUpdate(30, 20, 3, rng);
    const fixed = await roundTrip('low-rank', target, reference, { rank: 3 });
    expect(readDeltaError(fixed.payload).relL2).toBeLessThan(1e-13);
    const byEnergy = await roundTrip('low-rank', target, reference, { energy: 0.999999 });
    expect(byEnergy.payload.attributes.rank).toBe(3);
    expect(byEnergy.payload.arrays.left.shape).toEqual([30, 3]);
    expect(byEnergy.payload.arrays.right.shape).toEqual([20, 3]);
    expect(byEnergy.payload.arrays.left.data).toBeInstanceOf(Float64Array);
    const under = await roundTrip('low-rank', target, reference, { rank: 2 });
    expect(readDeltaError(under.payload).relL2).toBeGreaterThan(1e-5);
  });

  it('error equals the dropped singular values (Eckart–Young) and falls with rank on real weights', async () => {
    const rng = new Rng(6);
    const reference = fixtureTensor('f64', '0.weight'); // 32 × 64
    const target = fineTuned(reference, rng, 0.05);
    const t = tensorToFloat64(target);
    const r = tensorToFloat64(reference);
    const deltaNorm = Math.hypot(...t.map((x, i) => x - r[i]));
    const targetNorm = Math.hypot(...t);
    let previous = Infinity;
    for (const rank of [1, 4, 16, 32]) {
      const { payload } = await roundTrip('low-rank', target, reference, { rank });
      const e = readDeltaError(payload);
      expect(e.relL2).toBeLessThan(previous);
      previous = e.relL2;
      expect(e.relL2 * targetNorm).toBeLessThanOrEqual(deltaNorm * (1 + 1e-12));
    }
    expect(previous).toBeLessThan(1e-13); // full rank: exact up to rounding
  });

  it('works in f32, f16 and bf16 with float32 factors, recording the error it gives', async () => {
    const rng = new Rng(12);
    for (const dtype of ['f32', 'f16', 'bf16'] as const) {
      const reference = fixtureTensor(dtype, '2.weight'); // 10 × 32
      const target = fineTuned(reference, rng);
      const { payload, decoded } = await roundTrip('low-rank', target, reference, { rank: 10 });
      expect(payload.arrays.left.data).toBeInstanceOf(Float32Array);
      const t = tensorToFloat64(target);
      const d = tensorToFloat64(decoded);
      expect(readDeltaError(payload).maxAbs).toBe(Math.max(...t.map((x, i) => Math.abs(x - d[i]))));
      expect(readDeltaError(payload).relL2).toBeLessThan(1e-2);
    }
  });

  it('refuses tensors that are not 2-D, with a reason', async () => {
    const type = deltaType('low-rank');
    const v = fixtureTensor('f32', '0.bias');
    expect(type.supports?.(v, v)).toMatch(/needs a 2-D tensor.*1-D shape \[32\]/);
    await expect(async () => type.encode(v, v)).rejects.toThrow(/needs a 2-D tensor/);
  });

  it('handles empty matrices, zero deltas and ranks above the matrix rank', async () => {
    const rng = new Rng(3);
    const empty = float64ToTensor(new Float64Array(0), 'f32', [0, 7]);
    expect((await roundTrip('low-rank', empty, empty)).payload.attributes.rank).toBe(0);
    const m = randomTensor('f32', [5, 4], rng);
    const same = await roundTrip('low-rank', m, m);
    expect(same.payload.attributes.rank).toBe(0);
    expect(Buffer.from(same.decoded.data).equals(Buffer.from(m.data))).toBe(true);
    const capped = await roundTrip('low-rank', fineTuned(m, rng), m, { rank: 99 });
    expect(capped.payload.attributes.rank).toBe(4);
  });

  it('large matrices (randomized SVD): recovers a rank-5 update and stays within 2% of the optimal error', async () => {
    const rng = new Rng(21);
    const { reference, target } = rankRUpdate(150, 260, 5, rng);
    const byEnergy = await roundTrip('low-rank', target, reference, { energy: 0.999999 });
    expect(byEnergy.payload.attributes.rank).toBe(5);
    expect(readDeltaError(byEnergy.payload).relL2).toBeLessThan(1e-12);
    // A full-rank noisy delta: compare rank 8 against the exact SVD's optimum (Eckart–Young).
    const noisy = fineTuned(reference, rng, 0.05);
    const t = tensorToFloat64(noisy);
    const r = tensorToFloat64(reference);
    const delta = new Matrix(150, 260);
    for (let i = 0; i < 150; i++) for (let j = 0; j < 260; j++) delta.set(i, j, t[i * 260 + j] - r[i * 260 + j]);
    const sigma = new SingularValueDecomposition(delta, { autoTranspose: true }).diagonal;
    const optimal = Math.sqrt(sigma.slice(8).reduce((s, x) => s + x * x, 0)) / Math.hypot(...t);
    const { payload } = await roundTrip('low-rank', noisy, reference, { rank: 8 });
    expect(readDeltaError(payload).relL2).toBeGreaterThanOrEqual(optimal * (1 - 1e-9));
    expect(readDeltaError(payload).relL2).toBeLessThan(optimal * 1.02);
  });

  it('chooseRank: requested rank is capped, energy picks the fewest components', () => {
    expect(chooseRank([3, 2, 1], 5, 0.5)).toBe(3);
    expect(chooseRank([3, 2, 1], 0, 0.5)).toBe(1); // 9 / 14 ≥ 0.5
    expect(chooseRank([3, 2, 1], 0, 0.9)).toBe(2); // 13 / 14 ≥ 0.9
    expect(chooseRank([0, 0], 0, 0.9)).toBe(0);
  });
});
