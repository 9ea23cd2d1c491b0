import { Rng } from '@reef/kernels';
import { readDeltaError, tensorToFloat64 } from '@reef/core/delta';
import { describe, expect, it } from 'vitest';
import { deltaType, fineTuned, fixtureTensor, patternedUpdate, sameBytes } from './helpers.js';

describe('shared PQ codebooks', () => {
  it('one codebook trained on several tensors encodes each; payloads carry it and decode on their own', async () => {
    const rng = new Rng(11);
    const refs = [fixtureTensor('f32', '0.weight'), fixtureTensor('f32', '2.weight')];
    const pairs = refs.map((reference) => ({ reference, target: fineTuned(reference, rng) }));
    const type = deltaType('pq-lossy');
    expect(type.codebook?.arrays).toEqual(['pq_codebook']);
    const book = await type.codebook!.train(pairs);
    expect(Object.keys(book.arrays)).toEqual(['pq_codebook']);
    for (const { target, reference } of pairs) {
      const payload = await type.encode(target, reference, { codebook: book });
      expect(sameBytes(new Uint8Array(payload.arrays.pq_codebook.data.buffer), new Uint8Array(book.arrays.pq_codebook.data.buffer))).toBe(true);
      const decoded = await type.decode(payload, reference);
      const t = tensorToFloat64(target);
      const d = tensorToFloat64(decoded);
      const r = tensorToFloat64(reference);
      const err = Math.hypot(...t.map((x, i) => x - d[i])) / Math.hypot(...t);
      expect(readDeltaError(payload).relL2).toBeCloseTo(err, 12);
      // Better than storing nothing: the shared codebook still fits each tensor's delta.
      expect(err).toBeLessThan(0.8 * (Math.hypot(...t.map((x, i) => x - r[i])) / Math.hypot(...t)));
    }
  });

  it('a codebook can code a tensor too small to train its own; pq-lossless stays byte-exact with it', async () => {
    const rng = new Rng(12);
    const big = fixtureTensor('f16', '0.weight');
    const book = await deltaType('pq-lossless').codebook!.train([{ reference: big, target: patternedUpdate(big, rng, 8, 16) }]);
    const tiny = { dtype: 'f16' as const, shape: [8], data: big.data.slice(0, 16) };
    const target = patternedUpdate(tiny, rng, 8, 16);
    await expect(deltaType('pq-lossless').encode(target, tiny)).rejects.toThrow(/at least 2/);
    const payload = await deltaType('pq-lossless').encode(target, tiny, { codebook: book });
    expect(sameBytes((await deltaType('pq-lossless').decode(payload, tiny)).data, target.data)).toBe(true);
  });

  it('trains deterministically under a seed, and refuses too little data', async () => {
    const reference = fixtureTensor('f32', '0.weight');
    const target = fineTuned(reference, new Rng(13));
    const a = await deltaType('pq-lossy').codebook!.train([{ target, reference }], { params: { seed: 5 } });
    const b = await deltaType('pq-lossy').codebook!.train([{ target, reference }], { params: { seed: 5 } });
    expect(sameBytes(new Uint8Array(a.arrays.pq_codebook.data.buffer), new Uint8Array(b.arrays.pq_codebook.data.buffer))).toBe(true);
    const one = { dtype: 'f32' as const, shape: [4], data: new Uint8Array(16) };
    await expect(deltaType('pq-lossy').codebook!.train([{ target: one, reference: one }])).rejects.toThrow(/at least 2/);
  });
});
