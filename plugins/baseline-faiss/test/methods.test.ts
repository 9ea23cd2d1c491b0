import { resolveParams } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { FAISS_METHODS, probePython } from '../src/index.js';

const method = (id: string) => FAISS_METHODS.find((m) => m.id === id)!;
const factory = (id: string, params: Record<string, unknown>) => method(id).factory(resolveParams(id, method(id).params, params as never));

describe('FAISS methods', () => {
  it('build the index-factory strings of FAISS', () => {
    expect(factory('faiss-pq', { m: 16, nbits: 8 })).toBe('PQ16x8np');
    expect(factory('faiss-pq-fs', { m: 32 })).toBe('PQ32x4fs');
    expect(factory('faiss-opq', { m: 8, outDim: 64 })).toBe('OPQ8_64,PQ8x8np');
    expect(factory('faiss-opq', { m: 16 })).toBe('OPQ16,PQ16x8np');
    expect(factory('faiss-sq', { format: '4bit' })).toBe('SQ4');
    expect(factory('faiss-sq', { format: 'fp16' })).toBe('SQfp16');
    expect(factory('faiss-rq', { stages: 4, nbits: 6 })).toBe('RQ4x6');
  });

  it('refuse sub-quantizer counts FAISS cannot split the dimension into', () => {
    const pq = method('faiss-pq');
    expect(pq.validate!(resolveParams('faiss-pq', pq.params, { m: 7 }), 32)).toMatch(/m=7 does not divide 32/);
    expect(pq.validate!(resolveParams('faiss-pq', pq.params, { m: 8 }), 32)).toBeUndefined();
    const opq = method('faiss-opq');
    expect(opq.validate!(resolveParams('faiss-opq', opq.params, { m: 8, outDim: 60 }), 64)).toMatch(/does not divide 60/);
  });

  it('name the Reef method each is a baseline for', () => {
    expect(Object.fromEntries(FAISS_METHODS.map((m) => [m.id, m.baselineOf]))).toEqual({
      'faiss-pq': 'pq',
      'faiss-pq-fs': 'pq',
      'faiss-opq': 'opq',
      'faiss-sq': 'sq',
      'faiss-rq': 'rq',
    });
  });
});

describe('finding Python with faiss', () => {
  it('gives the reason, naming each interpreter tried, when none works', () => {
    const probe = probePython(['/nonexistent/python3']);
    expect(probe.python).toBeUndefined();
    expect('reason' in probe && probe.reason).toMatch(/no Python with faiss \(\/nonexistent\/python3: .*ENOENT.*python3-faiss.*REEF_FAISS_PYTHON/);
  });
});
