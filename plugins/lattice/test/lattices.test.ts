import { Rng } from '@reef/kernels';
import { describe, expect, it } from 'vitest';
import { BLOCK, VoronoiCode, lattice, type LatticeName } from '../src/index.js';

/** Membership tests straight from the definitions, independent of the decoders under test. */
const isInteger = (v: number) => Math.abs(v - Math.round(v)) < 1e-9;
const evenSum = (p: number[]) => Math.round(p.reduce((s, v) => s + v, 0)) % 2 === 0;
const MEMBER: Record<LatticeName, (p: number[]) => boolean> = {
  zn: (p) => p.every(isInteger),
  dn: (p) => p.every(isInteger) && evenSum(p),
  e8: (p) => (p.every(isInteger) && evenSum(p)) || (p.every((v) => isInteger(v - 0.5)) && evenSum(p.map((v) => v - 0.5))),
};

/**
 * Brute force: every candidate whose coordinates are within 2 of x's (integer or half-integer),
 * filtered by membership. The nearest point of these lattices is within covering radius ≤ √2 of x,
 * (√2 for D8 and Z8, 1 for E8), so each coordinate differs by less than 2 and the true nearest point is among the candidates.
 */
function bruteForceNearest(name: LatticeName, x: Float64Array): { point: number[]; dist: number } {
  let best = { point: [] as number[], dist: Infinity };
  for (const offset of name === 'e8' ? [0, 0.5] : [0]) {
    const base = Array.from(x, (v) => Math.floor(v - offset) + offset);
    const p = new Array<number>(BLOCK);
    for (let code = 0; code < 4 ** BLOCK; code++) {
      let c = code;
      let dist = 0;
      for (let i = 0; i < BLOCK; i++) {
        p[i] = base[i] + (c % 4) - 1;
        c = Math.floor(c / 4);
        dist += (x[i] - p[i]) ** 2;
      }
      if (dist < best.dist && MEMBER[name](p)) best = { point: [...p], dist };
    }
  }
  return best;
}

describe('nearest-point decoders', () => {
  for (const name of ['e8', 'dn', 'zn'] as const) {
    it(`${name}: the fast decoder returns the true nearest lattice point (brute force, 20 random points)`, () => {
      const rng = new Rng(100 + name.length);
      const x = new Float64Array(BLOCK);
      const out = new Float64Array(BLOCK);
      for (let t = 0; t < 20; t++) {
        for (let i = 0; i < BLOCK; i++) x[i] = 3 * rng.normal();
        const dist = lattice(name).nearest(x, out);
        expect(MEMBER[name]([...out]), `decoder output ${[...out]} is not in ${name}`).toBe(true);
        const truth = bruteForceNearest(name, x);
        expect(dist).toBeCloseTo(truth.dist, 9);
        expect(Array.from(out, (v) => v + 0)).toEqual(truth.point.map((v) => v + 0)); // -0 and 0 are the same point
      }
    });
  }

  it('measures normalised second moments close to theory (E8 0.07168, Z8 1/12, D8 in between): E8 gains ≈ 0.65 dB', () => {
    // G = E‖x − Q(x)‖² / (n · V^{2/n}) for x uniform over a region much larger than a cell.
    const rng = new Rng(7);
    const x = new Float64Array(BLOCK);
    const out = new Float64Array(BLOCK);
    const volume: Record<LatticeName, number> = { e8: 1, dn: 2, zn: 1 };
    const theory: Partial<Record<LatticeName, number>> = { e8: 0.0716821, zn: 1 / 12 }; // Conway & Sloane, SPLAG table 2.3
    const measured = {} as Record<LatticeName, number>;
    for (const name of ['e8', 'dn', 'zn'] as const) {
      let sum = 0;
      const n = 40000;
      for (let t = 0; t < n; t++) {
        for (let i = 0; i < BLOCK; i++) x[i] = 20 * rng.float();
        sum += lattice(name).nearest(x, out);
      }
      measured[name] = sum / n / (BLOCK * volume[name] ** (2 / BLOCK));
      const expected = theory[name];
      if (expected !== undefined) expect(Math.abs(measured[name] / expected - 1)).toBeLessThan(0.02);
    }
    expect(measured.dn).toBeGreaterThan(measured.e8);
    expect(measured.dn).toBeLessThan(measured.zn);
    const gain = 10 * Math.log10(measured.zn / measured.e8);
    console.log(`NSM: E8 ${measured.e8.toFixed(5)} (theory 0.07168), D8 ${measured.dn.toFixed(5)}, Z8 ${measured.zn.toFixed(5)} (0.08333); granular gain of E8 over Z8 ${gain.toFixed(3)} dB (theory 0.655 dB)`);
    expect(gain).toBeGreaterThan(0.55);
    expect(gain).toBeLessThan(0.75);
  });
});

describe('Voronoi codes', () => {
  for (const name of ['e8', 'dn', 'zn'] as const) {
    for (const bits of [1, 2, 3, 8]) {
      it(`${name}, ${bits} bits: index → codeword → index round-trips and every codeword lies in the shaping region`, () => {
        const code = new VoronoiCode(lattice(name), bits);
        const rng = new Rng(bits * 13 + name.length);
        const index = new Uint32Array(BLOCK);
        const back = new Uint32Array(BLOCK);
        const point = new Float64Array(BLOCK);
        for (let t = 0; t < 300; t++) {
          for (let i = 0; i < BLOCK; i++) index[i] = rng.int(code.modulus);
          code.pointOf(index, point);
          expect(code.contains(point)).toBe(true);
          expect([...code.indexOf(point, back)]).toEqual([...index]);
        }
      });
    }

    it(`${name}: at 1 bit the 256 indices name 256 distinct codewords`, () => {
      const code = new VoronoiCode(lattice(name), 1);
      const seen = new Set<string>();
      const index = new Uint32Array(BLOCK);
      const point = new Float64Array(BLOCK);
      for (let k = 0; k < 256; k++) {
        for (let i = 0; i < BLOCK; i++) index[i] = (k >> i) & 1;
        seen.add(code.pointOf(index, point).join(','));
      }
      expect(seen.size).toBe(256);
    });

    it(`${name}: quantize returns the nearest coset point when it is a codeword, and always a codeword`, () => {
      const code = new VoronoiCode(lattice(name), 3);
      const rng = new Rng(3);
      const v = new Float64Array(BLOCK);
      const out = new Float64Array(BLOCK);
      const nearest = new Float64Array(BLOCK);
      const shifted = new Float64Array(BLOCK);
      let granular = 0;
      for (let t = 0; t < 500; t++) {
        const spread = t < 250 ? 1 : 6; // the second half mostly overloads
        for (let i = 0; i < BLOCK; i++) v[i] = spread * rng.normal();
        code.quantize(v, out);
        expect(code.contains(out)).toBe(true);
        const { shift } = lattice(name);
        for (let i = 0; i < BLOCK; i++) shifted[i] = v[i] - shift[i];
        lattice(name).nearest(shifted, nearest);
        for (let i = 0; i < BLOCK; i++) nearest[i] += shift[i];
        if (code.contains(nearest)) {
          granular++;
          expect([...out]).toEqual([...nearest]);
        }
      }
      expect(granular).toBeGreaterThan(200);
    });
  }
});
