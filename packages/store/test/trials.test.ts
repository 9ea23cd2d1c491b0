import { PLUGIN_API_VERSION, Registry, definePlugin, type DeltaTypePlugin, type Tensor } from '@reef/core';
import { packPlanesAsync } from '@reef/codecs/node';
import deltaLossless from '@reef/delta-lossless';
import deltaPq from '@reef/delta-pq';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, WHOLE_ONLY_BYTES, encodeTensor, writeSafetensors } from '../src/index.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Seeded f32 weights; `changed` of the elements (every k-th) moved by 1% of the scale. */
function pair(n: number, changed: number): { ref: Tensor; target: Tensor } {
  // Seeded noise, not a smooth function: a periodic sequence lets deflate find matches far apart
  // in the whole tensor that no sample of chunks shows, and the sample is meant to be representative.
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = next() * 0.1;
  const t = new Float32Array(r);
  const every = Math.max(1, Math.round(1 / changed));
  for (let i = 0; i < n; i += every) t[i] += 1e-3 * next();
  const tensor = (v: Float32Array): Tensor => ({ dtype: 'f32', shape: [n], data: new Uint8Array(v.buffer) });
  return { ref: tensor(r), target: tensor(t) };
}

/** The real delta types, each counting its encode calls (the trials the store ran). */
function counted(registry: Registry): { types: DeltaTypePlugin[]; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const types = registry.deltaTypes().map((p) => ({
    ...p,
    encode: (t: Tensor, r: Tensor, o?: Parameters<DeltaTypePlugin['encode']>[2]) => {
      calls.set(p.id, (calls.get(p.id) ?? 0) + 1);
      return p.encode(t, r, o);
    },
  }));
  return { types, calls };
}

describe('encoding trials', () => {
  it('tries sparse when few elements changed (and it wins there), skips it when its worthTrying hint says most did', async () => {
    const registry = new Registry();
    registry.use(deltaLossless, '@reef/delta-lossless');
    const few = pair(20_000, 0.02);
    const { types, calls } = counted(registry);
    const candidate = { hash: 'r', tensor: few.ref, depth: 0, source: 'parent' };
    const sparseWins = await encodeTensor('t', few.target, [candidate], types, 24);
    expect(calls.get('sparse')).toBe(1);
    expect(sparseWins.info.encoding).toBe('sparse');

    const dense = pair(20_000, 1);
    calls.clear();
    const chosen = await encodeTensor('t2', dense.target, [{ ...candidate, tensor: dense.ref }], types, 24);
    expect(calls.get('sparse')).toBeUndefined();
    expect(calls.get('xor-planes')).toBe(1);
    // What the skipped trial would have given: larger than the encoding chosen without it.
    const sparse = registry.deltaTypes().find((p) => p.id === 'sparse')!;
    const payload = await sparse.encode(dense.target, dense.ref);
    const bytes = JSON.stringify(payload.attributes).length + Object.values(payload.arrays).reduce((s, a) => s + a.data.byteLength, 0);
    expect(bytes).toBeGreaterThan(chosen.info.storedBytes);
  });

  it('stores tensors up to WHOLE_ONLY_BYTES whole without delta trials, and tries every option above', async () => {
    const registry = new Registry();
    registry.use(deltaLossless, '@reef/delta-lossless');
    const { types, calls } = counted(registry);
    const elements = WHOLE_ONLY_BYTES / 4;
    // Few elements changed: a delta (sparse) would win on the small tensor if it were tried.
    const small = pair(elements, 0.01);
    const kept = await encodeTensor('s', small.target, [{ hash: 'r', tensor: small.ref, depth: 0, source: 'parent' }], types, 24);
    expect(kept.info.encoding).toBe('whole');
    expect(kept.info.depth).toBe(0);
    expect(calls.size).toBe(0);
    const sparse = registry.deltaTypes().find((p) => p.id === 'sparse')!;
    const payload = await sparse.encode(small.target, small.ref);
    const sparseBytes = JSON.stringify(payload.attributes).length + Object.values(payload.arrays).reduce((s, a) => s + a.data.byteLength, 0);
    // The bound the rule relies on: what skipping the trials can cost is at most the tensor's size.
    expect(kept.info.storedBytes - sparseBytes).toBeGreaterThan(0);
    expect(kept.info.storedBytes - sparseBytes).toBeLessThanOrEqual(WHOLE_ONLY_BYTES + 64);

    const larger = pair(elements + 1, 0.01);
    const tried = await encodeTensor('l', larger.target, [{ hash: 'r', tensor: larger.ref, depth: 0, source: 'parent' }], types, 24);
    // Every option is tried once; the smallest of the two that code unchanged elements in ~0 bits wins.
    expect(['sparse', 'low-rank-residual']).toContain(tried.info.encoding);
    expect(calls.get('xor-planes')).toBe(1);
    expect(calls.get('sparse')).toBe(1);
    expect(calls.get('low-rank-residual')).toBe(1);
  });

  it('judges a large tensor on a screen and a sample, encodes only the winner in full, and picks what full trials would', async () => {
    const registry = new Registry();
    registry.use(deltaLossless, '@reef/delta-lossless');
    const { ref, target } = pair(400_000, 1); // 1.6 MB, every element moved
    const lengths = new Map<string, number[]>();
    const types = registry.deltaTypes().map((p) => ({
      ...p,
      encode: (t: Tensor, r: Tensor, o?: Parameters<DeltaTypePlugin['encode']>[2]) => {
        lengths.set(p.id, [...(lengths.get(p.id) ?? []), t.data.length]);
        return p.encode(t, r, o);
      },
    }));
    const chosen = await encodeTensor('t', target, [{ hash: 'r', tensor: ref, depth: 0, source: 'parent' }], types, 24);
    // Exhaustive: every option on the whole tensor.
    const full: Record<string, number> = { whole: (await packPlanesAsync(target.data, 4, 6, 'f32')).bytes.length + 64 };
    for (const p of registry.deltaTypes()) {
      if (p.id === 'sparse') continue; // skipped by its worthTrying hint (every element changed)
      const payload = await p.encode(target, ref);
      full[p.id] = JSON.stringify(payload.attributes).length + Object.values(payload.arrays).reduce((s, a) => s + a.data.byteLength, 0);
    }
    const smallest = Object.entries(full).sort((a, b) => a[1] - b[1])[0][0];
    expect(chosen.info.encoding).toBe(smallest);
    for (const [id, seen] of lengths) {
      const fullCalls = seen.filter((n) => n === target.data.length).length;
      expect(fullCalls, id).toBe(id === chosen.info.encoding ? 1 : 0);
      expect(seen.every((n) => n === target.data.length || n <= 128 * 1024), id).toBe(true);
    }
  });

  it('add leaves codebook delta types (pq-lossless) out unless asked, and the checkout stays byte-exact', async () => {
    for (const codebookDeltasAtAdd of [false, true]) {
      const real = new Registry();
      real.use(deltaLossless, '@reef/delta-lossless');
      real.use(deltaPq, '@reef/delta-pq');
      const { types, calls } = counted(real);
      const registry = new Registry();
      registry.use(definePlugin({ name: 'counted', apiVersion: PLUGIN_API_VERSION, register: (host) => types.forEach((t) => host.registerDeltaType(t)) }), 'counted');
      const { dir, cleanup } = tempDir();
      const repo = Repository.init(dir, { registry, codebookDeltasAtAdd });
      cleanups.push(() => {
        repo.close();
        cleanup();
      });
      const files: Uint8Array[] = [];
      for (const step of [0, 1]) {
        const { ref, target } = pair(8192, 1);
        files.push(writeSafetensors([{ name: 'w', tensor: step === 0 ? ref : target }]));
        writeFileSync(join(dir, 'm.safetensors'), files[step]);
        await repo.add(['m.safetensors'], { cwd: dir });
        repo.commit(`step ${step}`);
      }
      expect(calls.get('xor-planes')).toBe(1);
      expect(calls.get('pq-lossless') ?? 0, `codebookDeltasAtAdd ${codebookDeltasAtAdd}`).toBe(codebookDeltasAtAdd ? 1 : 0);
      for (const step of [0, 1]) {
        const out = await repo.export(`HEAD~${1 - step}`, { format: 'safetensors' });
        expect(Buffer.from(out.bytes).equals(Buffer.from(files[step]))).toBe(true);
      }
    }
  });
});
