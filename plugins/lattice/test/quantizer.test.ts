import { Registry, isReefError, type Vectors } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { seededVectors, meanSquaredError } from '@reef/testkit';
import plugin, { LatticeQuantizer } from '../src/index.js';

const gaussian = (count: number, dim: number, seed: number): Vectors => seededVectors(count, dim, { seed });

async function mseOf(params: Record<string, unknown>, train: Vectors, test: Vectors): Promise<number> {
  const registry = new Registry();
  registry.use(plugin);
  const q = registry.createQuantizer('lattice', params, train.dim);
  await q.fit(train, { seed: 1 });
  // Per component, as Max's table gives it: the shared MSE sums over components.
  return meanSquaredError(test, q.decode(q.encode(test))) / test.dim;
}

describe('lattice quantizer on Gaussian data', () => {
  const train = gaussian(2000, 32, 1);
  const test = gaussian(1000, 32, 2);

  it('Z_n matches the optimal uniform scalar quantizer of a unit Gaussian (3 bits: 0.03744)', async () => {
    // Max's uniform quantizer with 8 levels for N(0,1) has MSE 0.03744 (Max 1960, table II).
    const mse = await mseOf({ lattice: 'zn', bits: 3 }, train, test);
    expect(mse / 0.03744).toBeGreaterThan(0.95);
    expect(mse / 0.03744).toBeLessThan(1.06);
  });

  for (const bits of [3, 4]) {
    it(`E8 beats Z_n (≈ SQ) at ${bits} bits per dimension`, async () => {
      const zn = await mseOf({ lattice: 'zn', bits }, train, test);
      const e8 = await mseOf({ lattice: 'e8', bits }, train, test);
      const dn = await mseOf({ lattice: 'dn', bits }, train, test);
      const gain = 10 * Math.log10(zn / e8);
      console.log(`${bits} bits/dim, Gaussian 32-d: MSE/dim Z_n ${zn.toFixed(5)}, D8 ${dn.toFixed(5)}, E8 ${e8.toFixed(5)}; E8 over Z_n ${gain.toFixed(3)} dB, D8 over Z_n ${(10 * Math.log10(zn / dn)).toFixed(3)} dB (granular theory: E8 0.65 dB; the rest comes from the rounder shaping regions)`);
      // Granular gain alone is 0.65 dB; shaping adds more for a Gaussian source. Half of the granular gain is a safe floor.
      expect(gain).toBeGreaterThan(0.33);
      expect(e8).toBeLessThan(dn);
    });
  }
});

describe('lattice quantizer shapes and models', () => {
  it('pads dimensions that are not a multiple of 8 and trims them on decode', async () => {
    const train = gaussian(500, 13, 3);
    const q = new LatticeQuantizer({ lattice: 'e8', bits: 5, rotate: false, normalise: 'std' });
    await q.fit(train, { seed: 3 });
    expect(q.codeSize).toBe(2 * 5); // two 8-dimensional blocks of 5 bytes each
    const decoded = q.decode(q.encode(train));
    expect(decoded.length).toBe(train.data.length);
    let err = 0;
    for (let i = 0; i < decoded.length; i++) err += (decoded[i] - train.data[i]) ** 2;
    expect(err / decoded.length).toBeLessThan(0.01);
  });

  it('decodes constant dimensions to their value exactly', async () => {
    const train = gaussian(300, 8, 4);
    for (let i = 0; i < 300; i++) train.data[i * 8 + 2] = 7.5;
    const q = new LatticeQuantizer({ lattice: 'e8', bits: 2, rotate: false, normalise: 'range' });
    await q.fit(train, { seed: 4 });
    const decoded = q.decode(q.encode(train));
    for (let i = 0; i < 300; i++) expect(decoded[i * 8 + 2]).toBe(7.5);
  });

  it('refuses bad parameters, too little data and corrupt models by name', async () => {
    const registry = new Registry();
    registry.use(plugin);
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isReefError(err) ? `${err.code}: ${err.message}` : String(err);
      }
      return 'no error';
    };
    expect(codeOf(() => registry.createQuantizer('lattice', { bits: 9 }, 16))).toMatch(/INVALID_PARAM.*bits.*9/);
    expect(codeOf(() => registry.createQuantizer('lattice', { bits: 0 }, 16))).toMatch(/INVALID_PARAM.*bits.*0/);
    expect(codeOf(() => registry.createQuantizer('lattice', { lattice: 'a2' }, 16))).toMatch(/INVALID_PARAM.*lattice.*a2/);
    const q = registry.createQuantizer('lattice', {}, 16);
    await expect(q.fit(gaussian(1, 16, 5))).rejects.toMatchObject({ code: 'TOO_FEW_POINTS' });
    await q.fit(gaussian(100, 16, 5), { seed: 5 });
    const saved = q.save();
    const noScale = { ...saved, arrays: { centre: saved.arrays.centre } };
    expect(codeOf(() => registry.loadQuantizer(noScale))).toMatch(/BAD_MODEL.*scale/);
    const badStep = { ...saved, attributes: { ...saved.attributes, alpha: -1 } };
    expect(codeOf(() => registry.loadQuantizer(badStep))).toMatch(/BAD_MODEL.*-1/);
  });
});
