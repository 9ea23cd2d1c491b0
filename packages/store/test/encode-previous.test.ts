import type { DeltaTypePlugin, Tensor } from '@reef/core';
import { floatDiff, xorPlanes } from '@reef/delta-lossless';
import { describe, expect, it } from 'vitest';
import { encodeTensor, tensorHash } from '../src/index.js';
import type { PreviousChoice } from '../src/encode.js';

/** A real delta type that counts its encodes. */
function counted(plugin: DeltaTypePlugin): DeltaTypePlugin & { calls: number } {
  const wrapped = { ...plugin, calls: 0 };
  wrapped.encode = (target, reference, options) => {
    wrapped.calls++;
    return plugin.encode(target, reference, options);
  };
  return wrapped;
}

/** 512 KiB of f32 weights (above the sampling threshold) and a small update of them. */
function pair(): { target: Tensor; reference: Tensor } {
  const n = 128 * 1024;
  const ref = new Float32Array(n);
  const next = new Float32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ref[i] = (s / 2 ** 32 - 0.5) * 0.1;
    next[i] = ref[i] + Math.sin(i * 0.01) * 1e-4;
  }
  return { target: { dtype: 'f32', shape: [128, 1024], data: new Uint8Array(next.buffer) }, reference: { dtype: 'f32', shape: [128, 1024], data: new Uint8Array(ref.buffer) } };
}

describe("encodeTensor with the previous version's choice", () => {
  const { target, reference } = pair();
  const refHash = tensorHash(reference);
  const candidates = [{ hash: refHash, tensor: reference, depth: 0, source: 'parent' }];
  const raw = target.data.length;

  it('keeps the previous delta type without trials when it does as well as last time', async () => {
    const xor = counted(xorPlanes);
    const diff = counted(floatDiff);
    const previous: PreviousChoice = { reference: refHash, encoding: 'xor-planes', storedBytes: raw, rawBytes: raw };
    const o = await encodeTensor(tensorHash(target), target, candidates, [xor, diff], 8, previous);
    expect(o.info.encoding).toBe('xor-planes');
    expect(o.info.reference).toBe(refHash);
    expect(xor.calls).toBe(1); // the full encode only
    expect(diff.calls).toBe(0); // no trial of the others
  });

  it('runs the trials as always when it does worse than last time, and chooses what they choose', async () => {
    const plain = await encodeTensor(tensorHash(target), target, candidates, [counted(xorPlanes), counted(floatDiff)], 8);
    const xor = counted(xorPlanes);
    const diff = counted(floatDiff);
    const previous: PreviousChoice = { reference: refHash, encoding: 'xor-planes', storedBytes: 1, rawBytes: raw };
    const o = await encodeTensor(tensorHash(target), target, candidates, [xor, diff], 8, previous);
    expect(diff.calls).toBeGreaterThan(0);
    expect(o.info.encoding).toBe(plain.info.encoding);
    expect(o.info.storedBytes).toBe(plain.info.storedBytes);
  });

  it('ignores a previous choice whose type or reference is not on offer', async () => {
    const plain = await encodeTensor(tensorHash(target), target, candidates, [xorPlanes, floatDiff], 8);
    for (const previous of [
      { reference: refHash, encoding: 'no-such-type', storedBytes: raw, rawBytes: raw },
      { reference: 'f'.repeat(64), encoding: 'xor-planes', storedBytes: raw, rawBytes: raw },
    ]) {
      const o = await encodeTensor(tensorHash(target), target, candidates, [xorPlanes, floatDiff], 8, previous);
      expect([o.info.encoding, o.info.storedBytes]).toEqual([plain.info.encoding, plain.info.storedBytes]);
    }
  });
});
