import { describe, expect, it } from 'vitest';
import { assertCodes, assertEncodable, assertTensor, assertTrainingSet, vectors } from '../src/index.js';

describe('input validation', () => {
  it('refuses data that is not a whole number of vectors', () => {
    expect(() => vectors(new Float32Array(10), 3)).toThrow('length 10 is not a whole number of 3-dimensional vectors');
    expect(() => vectors(new Float32Array(4), 0)).toThrow('dimension must be a positive integer, got 0');
    expect(() => vectors([1, 2] as never, 2)).toThrow('must be a Float32Array, got Array');
  });

  it('names the first non-finite value in training data', () => {
    const data = new Float32Array(12);
    data[7] = NaN;
    expect(() => assertTrainingSet(vectors(data, 4))).toThrow('training vectors contain NaN at vector 1, component 3');
    data[7] = -Infinity;
    expect(() => assertTrainingSet(vectors(data, 4))).toThrow('-Infinity at vector 1');
  });

  it('refuses an empty training set and too few points', () => {
    expect(() => assertTrainingSet(vectors(new Float32Array(0), 4))).toThrow('training set is empty');
    expect(() => assertTrainingSet(vectors(new Float32Array(8), 4), 256)).toThrow('has 2 vectors but at least 256 are needed');
  });

  it('refuses vectors of the wrong dimension and codes of the wrong length', () => {
    expect(() => assertEncodable(vectors(new Float32Array(10), 5), 4)).toThrow('dimension 5 but the quantizer was trained on dimension 4');
    expect(() => assertCodes(new Uint8Array(7), 4)).toThrow('codes of 7 bytes are not a whole number of 4-byte codes');
    expect(assertCodes(new Uint8Array(8), 4)).toBe(2);
  });

  it('checks tensors: dtype, shape and byte length', () => {
    expect(assertTensor({ dtype: 'f16', shape: [2, 3], data: new Uint8Array(12) })).toBe(6);
    expect(assertTensor({ dtype: 'f32', shape: [], data: new Uint8Array(4) })).toBe(1);
    expect(() => assertTensor({ dtype: 'f8' as never, shape: [1], data: new Uint8Array(1) })).toThrow('unknown dtype "f8"');
    expect(() => assertTensor({ dtype: 'bf16', shape: [3], data: new Uint8Array(5) })).toThrow('needs 6 bytes, got 5');
  });
});
