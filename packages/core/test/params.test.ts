import { describe, expect, it } from 'vitest';
import { configName, expandGrid, resolveParams, type ParamSpec } from '../src/index.js';

const specs: ParamSpec[] = [
  { name: 'm', type: 'int', default: 8, min: 1, description: 'sub-quantizers' },
  { name: 'nbits', type: 'int', default: 8, min: 1, max: 16, description: 'bits per code' },
  { name: 'range', type: 'enum', default: 'minmax', values: ['minmax', 'meanstd'], description: 'range estimator' },
  { name: 'scale', type: 'float', default: 1.5, min: 0, description: 'k in mean ± k·std' },
  { name: 'rotate', type: 'bool', default: false, description: 'random rotation' },
];

describe('resolveParams', () => {
  it('applies defaults and parses strings by declared type', () => {
    expect(resolveParams('pq', specs, { m: '16', rotate: 'true', scale: '2.5' })).toEqual({ m: 16, nbits: 8, range: 'minmax', scale: 2.5, rotate: true });
  });

  it('refuses unknown names, listing the known ones', () => {
    expect(() => resolveParams('pq', specs, { bits: 4 })).toThrow("pq has no parameter 'bits'; its parameters are: m, nbits, range, scale, rotate");
  });

  it('refuses wrong types and out-of-range values, naming them', () => {
    expect(() => resolveParams('pq', specs, { nbits: 17 })).toThrow("pq parameter 'nbits' must be at most 16, got 17");
    expect(() => resolveParams('pq', specs, { m: 0 })).toThrow("pq parameter 'm' must be at least 1, got 0");
    expect(() => resolveParams('pq', specs, { m: 2.5 })).toThrow('must be an integer, got 2.5');
    expect(() => resolveParams('pq', specs, { m: 'eight' })).toThrow('must be a finite number, got "eight"');
    expect(() => resolveParams('pq', specs, { range: 'optim' })).toThrow('must be one of minmax, meanstd, got "optim"');
    expect(() => resolveParams('pq', specs, { rotate: 'maybe' })).toThrow('must be true or false');
  });
});

describe('grids and names', () => {
  it('expands every combination, first parameter slowest', () => {
    expect(expandGrid(specs, { m: [8, 16], nbits: [4, 8] })).toEqual([
      { m: 8, nbits: 4 },
      { m: 8, nbits: 8 },
      { m: 16, nbits: 4 },
      { m: 16, nbits: 8 },
    ]);
  });

  it('names a configuration readably, leaving defaults out unless asked', () => {
    const p = resolveParams('pq', specs, { m: 16 });
    expect(configName('PQ', specs, p)).toBe('PQ(m=16)');
    expect(configName('PQ', specs, p, true)).toBe('PQ(m=16, nbits=8, range=minmax, scale=1.5, rotate=false)');
  });
});
