import { PLUGIN_API_VERSION, Registry, definePlugin, named, type DeltaTypePlugin, type PortableData, type Tensor } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaPq from '@reef/delta-pq';
import deltaQuantized from '@reef/delta-quantized';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Repository, WHOLE_ONLY_BYTES, deltaTypesFor, encodeTensor, losslessTrials, lossyBeats, lossyOutcome, lossySettings, lossySettingsFor, parseSafetensors, toFloat64, writeSafetensors,
} from '../src/index.js';
import { tempDir } from './helpers.js';

/**
 * Third-party-style delta types, real but tiny, registered through a Registry like any plugin:
 * the policy must treat them as it treats first-party ones.
 */

/** Lossless, i32 only: `target = reference + k` for one k is stored as k alone, anything else as raw bytes. */
const constantOffset: DeltaTypePlugin = {
  kind: 'delta', id: 'test-constant-offset', label: 'constant offset', summary: 'i32 target = reference + k', apiVersion: PLUGIN_API_VERSION,
  lossless: true, params: [],
  supports: (target, reference) => (target.dtype === 'i32' && reference.dtype === 'i32' ? undefined : 'i32 only'),
  encode(target, reference): PortableData {
    const t = new Int32Array(target.data.slice().buffer);
    const r = new Int32Array(reference.data.slice().buffer);
    const k = t[0] - r[0];
    if (t.every((v, i) => v - r[i] === k)) return { arrays: {}, attributes: { k } };
    return { arrays: { raw: named(target.data.slice()) }, attributes: {} };
  },
  decode(payload, reference) {
    const raw = payload.arrays.raw?.data as Uint8Array | undefined;
    if (raw) return { dtype: 'i32', shape: reference.shape, data: raw };
    const r = new Int32Array(reference.data.slice().buffer);
    return { dtype: 'i32', shape: reference.shape, data: new Uint8Array(r.map((v) => v + Number(payload.attributes.k)).buffer) };
  },
};

/** Lossy, f32: the target as its reference plus the mean change (one number). */
const meanShift: DeltaTypePlugin = {
  kind: 'delta', id: 'test-mean-shift', label: 'mean shift', summary: 'reference + mean(target - reference)', apiVersion: PLUGIN_API_VERSION,
  lossless: false, params: [],
  supports: (target) => (target.dtype === 'f32' ? undefined : 'f32 only'),
  encode(target, reference) {
    const t = new Float32Array(target.data.slice().buffer);
    const r = new Float32Array(reference.data.slice().buffer);
    let sum = 0;
    for (let i = 0; i < t.length; i++) sum += t[i] - r[i];
    return { arrays: {}, attributes: { shift: sum / t.length } };
  },
  decode(payload, reference) {
    const r = new Float32Array(reference.data.slice().buffer);
    const shift = Number(payload.attributes.shift);
    return { dtype: 'f32', shape: reference.shape, data: new Uint8Array(r.map((v) => v + shift).buffer) };
  },
};

/** `type` with its encode calls and its hint's answers counted, the hint answering `answer`. */
function hinted(type: DeltaTypePlugin, answer: boolean): { type: DeltaTypePlugin; encodes: () => number; hints: Tensor[][] } {
  let encodes = 0;
  const hints: Tensor[][] = [];
  return {
    type: {
      ...type,
      worthTrying: (target, reference) => {
        hints.push([target, reference]);
        return answer;
      },
      encode: (target, reference, options) => {
        encodes++;
        return type.encode(target, reference, options);
      },
    },
    encodes: () => encodes,
    hints,
  };
}

function registryOf(...types: DeltaTypePlugin[]): Registry {
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  registry.use(definePlugin({ name: 'third-party', apiVersion: PLUGIN_API_VERSION, register: (host) => types.forEach((t) => host.registerDeltaType(t)) }), 'third-party');
  return registry;
}

function i32(values: Int32Array): Tensor {
  return { dtype: 'i32', shape: [values.length], data: new Uint8Array(values.buffer) };
}

function f32(values: Float32Array): Tensor {
  return { dtype: 'f32', shape: [values.length], data: new Uint8Array(values.buffer) };
}

/** Seeded pseudo-random i32 values (xorshift). */
function randomInts(seed: number, n: number): Int32Array {
  let s = seed >>> 0 || 1;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s | 0;
  }
  return out;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('encoding policy', () => {
  it('gives each purpose its delta types: add leaves codebook types out unless asked, clusters keep them, lossy commits get the lossy ones', () => {
    const registry = registryOf(constantOffset, meanShift);
    registry.use(deltaPq, '@reef/delta-pq');
    registry.use(deltaQuantized, '@reef/delta-quantized');
    const types = registry.deltaTypes();
    const ids = (list: DeltaTypePlugin[]): string[] => list.map((t) => t.id).sort();
    const lossless = types.filter((t) => t.lossless);
    expect(ids(deltaTypesFor('add', types))).toEqual(ids(lossless.filter((t) => !t.codebook)));
    expect(ids(deltaTypesFor('add', types))).toContain('test-constant-offset');
    expect(ids(deltaTypesFor('add', types))).not.toContain('pq-lossless');
    expect(ids(deltaTypesFor('add', types, { codebookDeltasAtAdd: true }))).toEqual(ids(lossless));
    expect(ids(deltaTypesFor('cluster', types))).toEqual(ids(lossless));
    expect(ids(deltaTypesFor('lossy', types))).toEqual(ids(types.filter((t) => !t.lossless)));
    expect(ids(deltaTypesFor('lossy', types))).toContain('test-mean-shift');
  });

  it('chooses a third-party lossless type where it is smallest, and leaves it out where its contract refuses the pair', async () => {
    const registry = registryOf(constantOffset);
    const reference = randomInts(7, 4096);
    const target = i32(reference.map((v) => v + 3));
    const candidate = { hash: 'r', tensor: i32(reference), depth: 0, source: 'parent' };
    const chosen = await encodeTensor('t', target, [candidate], deltaTypesFor('add', registry.deltaTypes()), 24);
    expect(chosen.info.encoding).toBe('test-constant-offset');
    expect(chosen.payload?.attributes).toEqual({ k: 3 });
    const decoded = await constantOffset.decode(chosen.payload!, candidate.tensor);
    expect(Buffer.from(decoded.data).equals(Buffer.from(target.data))).toBe(true);
    // f32 pair: `supports` refuses it, so it is not even a trial.
    const floats = f32(new Float32Array(4096).map((_, i) => Math.sin(i)));
    const trials = losslessTrials(floats, [{ ...candidate, tensor: floats }], registry.deltaTypes(), 24);
    expect(trials.map((t) => t.plugin.id)).not.toContain('test-constant-offset');
    expect(trials.map((t) => t.plugin.id)).toContain('xor-planes');
  });

  it('asks every type its worthTrying hint, and skips the trial when it says no', async () => {
    const reference = randomInts(11, 4096);
    const target = i32(reference.map((v) => v - 5));
    const candidate = { hash: 'r', tensor: i32(reference), depth: 0, source: 'parent' };
    for (const answer of [false, true]) {
      const h = hinted(constantOffset, answer);
      const types = deltaTypesFor('add', registryOf(h.type).deltaTypes());
      const chosen = await encodeTensor('t', target, [candidate], types, 24);
      expect(h.hints).toHaveLength(1);
      expect(Buffer.from(h.hints[0][0].data).equals(Buffer.from(target.data))).toBe(true);
      expect(Buffer.from(h.hints[0][1].data).equals(Buffer.from(candidate.tensor.data))).toBe(true);
      expect(h.encodes()).toBe(answer ? 1 : 0);
      expect(chosen.info.encoding === 'test-constant-offset').toBe(answer);
    }
    // No trials at all up to WHOLE_ONLY_BYTES or past the chain limit: the hint is not asked either.
    const h = hinted(constantOffset, true);
    const small = i32(randomInts(3, WHOLE_ONLY_BYTES / 4));
    expect(losslessTrials(small, [{ ...candidate, tensor: small }], [h.type], 24)).toEqual([]);
    expect(losslessTrials(target, [{ ...candidate, depth: 24 }], [h.type], 24)).toEqual([]);
    expect(h.hints).toHaveLength(0);
  });

  it('applies the hint, supports and the codebook floor to lossy settings too', () => {
    const registry = registryOf(meanShift);
    registry.use(deltaPq, '@reef/delta-pq');
    const settings = lossySettings(registry.deltaTypes(), []);
    const target = f32(new Float32Array(64).fill(1));
    const reference = f32(new Float32Array(64));
    const ids = (list: { plugin: DeltaTypePlugin }[]): string[] => list.map((s) => s.plugin.id);
    expect(ids(lossySettingsFor(target, reference, settings, 1024))).toEqual(['test-mean-shift']); // 256 B: below the PQ floor
    expect(ids(lossySettingsFor(target, reference, settings, 0))).toContain('pq-lossy');
    const refused = hinted(meanShift, false);
    expect(ids(lossySettingsFor(target, reference, lossySettings([refused.type], []), 0))).toEqual([]);
    expect(refused.hints).toHaveLength(1);
    expect(ids(lossySettingsFor(i32(new Int32Array(64)), i32(new Int32Array(64)), lossySettings([meanShift], []), 0))).toEqual([]);
  });

  it('chooses lossy results by bound and size', () => {
    expect(lossyBeats({ bytes: 10, relL2: 1e-3 }, undefined, 1e-3)).toBe(true);
    expect(lossyBeats({ bytes: 10, relL2: 2e-3 }, undefined, 1e-3)).toBe(false);
    expect(lossyBeats({ bytes: 10, relL2: 1e-4 }, { bytes: 10 }, 1e-3)).toBe(false); // ties keep the earlier
    expect(lossyBeats({ bytes: 9, relL2: 1e-4 }, { bytes: 10 }, 1e-3)).toBe(true);
    expect(lossyOutcome(undefined, 100)).toBe('bound');
    expect(lossyOutcome({ bytes: 100 }, 100)).toBe('size');
    expect(lossyOutcome({ bytes: 99 }, 100)).toBe('lossy');
  });

  it('stores a lossy commit with a third-party lossy type where it is the smallest within the bound', async () => {
    const registry = registryOf(meanShift);
    registry.use(deltaQuantized, '@reef/delta-quantized');
    const { dir, cleanup } = tempDir();
    const repo = Repository.init(dir, { registry });
    cleanups.push(() => {
      repo.close();
      cleanup();
    });
    const n = 16384;
    const base = new Float32Array(n).map((_, i) => 1 + 0.5 * Math.sin(i * 0.37));
    // Every weight moved by the same 0.01, plus a ripple far below the bound.
    const next = base.map((v, i) => v + 0.01 + 1e-6 * Math.cos(i));
    writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'w', tensor: f32(base) }]));
    await repo.add(['m.safetensors'], { cwd: dir });
    repo.commit('base');
    writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'w', tensor: f32(next) }]));
    await repo.add(['m.safetensors'], { cwd: dir });
    const { quality } = await repo.commitLossy('shifted', { maxRelError: 1e-4 });
    expect(quality.lossy.map((l) => [l.tensor, l.encoding])).toEqual([['w', 'test-mean-shift']]);
    expect(quality.lossy[0].relL2).toBeLessThanOrEqual(1e-4);
    expect((await repo.fsck()).problems).toEqual([]);
    // What export gives is the decoded tensor: within the bound of what was added.
    const out = parseSafetensors((await repo.export('HEAD', { format: 'safetensors' })).bytes, 'export');
    const got = toFloat64(out.tensors[0].tensor);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      err += (got[i] - next[i]) ** 2;
      norm += next[i] ** 2;
    }
    expect(Math.sqrt(err / norm)).toBeLessThanOrEqual(1e-4);
    expect(Math.sqrt(err / norm)).toBeGreaterThan(0);
  });
});
