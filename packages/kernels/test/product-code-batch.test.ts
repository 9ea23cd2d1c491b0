import { describe, expect, it } from 'vitest';
import { ProductCodeScanner, Rng } from '../src/index.js';

describe('ProductCodeScanner.innerProductsBatch', () => {
  it('gives each query the float32 products innerProducts gives it, for batches over and under 16', () => {
    const rng = new Rng(3);
    const offsets = [0, 5, 9, 14, 20]; // uneven sub-spaces, dim 20
    const k = 256;
    const books = Float32Array.from({ length: k * 20 }, () => rng.normal());
    const scanner = new ProductCodeScanner(books, offsets, k);
    expect(scanner.accelerated).toBe(true);
    for (const nq of [1, 7, 16, 37]) {
      const queries = Float32Array.from({ length: nq * 20 }, () => rng.normal() * 3);
      const batch = scanner.innerProductsBatch(queries, nq);
      for (let q = 0; q < nq; q++) {
        expect(batch.subarray(q * 4 * k, (q + 1) * 4 * k)).toEqual(scanner.innerProducts(queries.subarray(q * 20, (q + 1) * 20)));
      }
    }
  });
});
