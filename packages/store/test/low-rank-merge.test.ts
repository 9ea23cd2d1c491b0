import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { losslessRegistry, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Seeded uniform values in [-scale, scale). */
function uniform(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

const ROWS = 200;
const COLS = 160;
const RANK = 4;

/** W + B A in f32, as merging a rank-4 adapter into a layer writes it. */
function merged(w: Float32Array): Float32Array {
  const b = uniform(ROWS * RANK, 7, 0.05);
  const a = uniform(RANK * COLS, 11, 0.05);
  return Float32Array.from(w, (x, at) => {
    const i = Math.floor(at / COLS);
    const j = at % COLS;
    let s = 0;
    for (let c = 0; c < RANK; c++) s += b[i * RANK + c] * a[c * COLS + j];
    return x + s;
  });
}

const file = (w: Float32Array): Uint8Array => writeSafetensors([{ name: 'layer.weight', tensor: { dtype: 'f32', shape: [ROWS, COLS], data: new Uint8Array(w.buffer) } }]);

describe('a merged low-rank adapter', () => {
  it('is stored as low-rank-residual against the base layer, far below xor-planes, and exports byte-exact', async () => {
    const { dir, cleanup } = tempDir();
    const registry = losslessRegistry();
    const repo = Repository.init(dir, { registry });
    cleanups.push(() => {
      repo.close();
      cleanup();
    });
    const path = join(dir, 'model.safetensors');
    const base = uniform(ROWS * COLS, 3, 0.1);
    const after = merged(base);
    const versions = [file(base), file(after)];
    writeFileSync(path, versions[0]);
    await repo.add([path]);
    repo.commit('base');
    writeFileSync(path, versions[1]);
    const [report] = await repo.add([path]);
    repo.commit('adapter merged');
    expect(report.encodings).toEqual({ 'low-rank-residual': 1 });

    // What the plain XOR delta of the same pair costs: the fitted update must be well below it.
    const tensor = (w: Float32Array) => ({ dtype: 'f32' as const, shape: [ROWS, COLS], data: new Uint8Array(w.buffer) });
    const xor = await registry.deltaType('xor-planes').encode(tensor(after), tensor(base));
    const xorBytes = Object.values(xor.arrays).reduce((n, a) => n + a.data.byteLength, 0);
    expect(report.storedBytes).toBeLessThan(0.5 * xorBytes);

    for (const [k, rev] of ['HEAD~1', 'HEAD'].entries()) {
      const out = await repo.export(rev, { format: 'safetensors' });
      expect(Buffer.from(out.bytes).equals(Buffer.from(versions[k])), rev).toBe(true);
    }
  });
});
