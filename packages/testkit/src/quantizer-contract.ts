import {
  Registry,
  vectors,
  type Params,
  type Quantizer,
  type ReefPluginModule,
  type Vectors,
} from '@reef/core';
import { saveModelFile } from '@reef/hdf5';
import { dot, l2sqr } from '@reef/kernels';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusteredVectors, meanSquaredError, totalVariance } from './data.js';
import { contractRegistry } from './services.js';
import { expectReefError } from './errors.js';

export interface QuantizerContractOptions {
  /** The plugin module as its package exports it (default export). */
  readonly plugin: ReefPluginModule;
  /** Which of the module's quantizers to test. */
  readonly id: string;
  /** Parameter sets to run the suite with; defaults to one run with the plugin's defaults. */
  readonly configs?: readonly Record<string, unknown>[];
  /** Shorthand for a single config. */
  readonly params?: Record<string, unknown>;
  /** Absolute path of the built plugin module, for the fresh-process load check (skipped without it). */
  readonly modulePath?: string;
  /** Dimension of the generated data (default 24: not a multiple of 8 or 16, on purpose). */
  readonly dim?: number;
  /** Training vectors (default 1200). */
  readonly trainCount?: number;
  /** Reconstruction MSE must stay below this fraction of the data's total variance (default 1). */
  readonly maxRelativeMse?: number;
  /** Relative tolerance when checking exact asymmetric distances against decoded vectors. */
  readonly distanceTolerance?: number;
  /** Provides services the plugin needs beyond the suite's (worker-thread COMPUTE_POOL, collecting WARNINGS). */
  readonly provide?: (registry: Registry) => void;
}


/**
 * The contract every quantizer plugin must honour. Call it at the top level of a test file:
 *
 *   describeQuantizerContract({ plugin, id: 'sq', modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)) });
 */
export function describeQuantizerContract(options: QuantizerContractOptions): void {
  const dim = options.dim ?? 24;
  const trainCount = options.trainCount ?? 1200;
  const configs = options.configs ?? [options.params ?? {}];

  describe(`quantizer contract: ${options.id}`, () => {
    it('registers through the host and describes itself', () => {
      const registry = contractRegistry(options.plugin, options.provide);
      const plugin = registry.quantizer(options.id);
      expect(plugin.kind).toBe('quantizer');
      expect(plugin.summary.length).toBeGreaterThan(0);
      for (const spec of plugin.params) {
        expect(spec.description.length, `parameter ${spec.name} needs a description`).toBeGreaterThan(0);
      }
      for (const name of Object.keys(plugin.defaultGrid)) {
        expect(plugin.params.map((p) => p.name), `defaultGrid names unknown parameter ${name}`).toContain(name);
      }
      expectReefError(() => registry.registerQuantizer(plugin), 'DUPLICATE_PLUGIN', options.id);
    });

    it('refuses unknown parameters by name', () => {
      const registry = contractRegistry(options.plugin, options.provide);
      expectReefError(() => registry.createQuantizer(options.id, { noSuchParameter: 1 }), 'UNKNOWN_PARAM', 'noSuchParameter');
    });

    for (const config of configs) describeConfig(options, config, dim, trainCount);
  });
}

function describeConfig(options: QuantizerContractOptions, config: Record<string, unknown>, dim: number, trainCount: number): void {
  const label = JSON.stringify(config);
  describe(`with ${label}`, () => {
    let registry: Registry;
    let train: Vectors;
    let test: Vectors;
    let q: Quantizer;
    let codes: Uint8Array;
    let decoded: Float32Array;
    let params: Params;

    beforeAll(async () => {
      registry = contractRegistry(options.plugin, options.provide);
      // One draw split in two: held-out vectors from the same clusters as the training set.
      const all = clusteredVectors(trainCount + 200, dim, 11);
      train = vectors(all.data.slice(0, trainCount * dim), dim);
      test = vectors(all.data.slice(trainCount * dim), dim);
      q = registry.createQuantizer(options.id, config, dim);
      params = q.params;
      await q.fit(train, { seed: 42 });
      codes = q.encode(test);
      decoded = q.decode(codes);
    });

    it('is untrained until fit, and refuses to encode before', () => {
      const fresh = registry.createQuantizer(options.id, config, dim);
      expect(fresh.isTrained).toBe(false);
      expectReefError(() => fresh.encode(test), 'NOT_TRAINED');
      expect(q.isTrained).toBe(true);
      expect(q.dim).toBe(dim);
    });

    it('produces codeSize bytes per vector, and decodes to float32 of the input shape', () => {
      expect(codes).toBeInstanceOf(Uint8Array);
      expect(Number.isInteger(q.codeSize) && q.codeSize > 0).toBe(true);
      expect(codes.length).toBe(test.count * q.codeSize);
      expect(decoded).toBeInstanceOf(Float32Array);
      expect(decoded.length).toBe(test.count * dim);
      expect(decoded.every(Number.isFinite)).toBe(true);
      expect(q.encode(vectors(new Float32Array(0), dim)).length).toBe(0);
    });

    it('reconstructs better than the best constant code', () => {
      const mse = meanSquaredError(test, decoded);
      expect(mse).toBeLessThan((options.maxRelativeMse ?? 1) * totalVariance(test));
    });

    it('encodes each vector independently of its batch', () => {
      const one = q.encode(vectors(test.data.slice(5 * dim, 6 * dim), dim));
      expect([...one]).toEqual([...codes.subarray(5 * q.codeSize, 6 * q.codeSize)]);
    });

    it('is deterministic under a seed', async () => {
      const again = registry.createQuantizer(options.id, config, dim);
      await again.fit(train, { seed: 42 });
      expect([...again.encode(test)]).toEqual([...codes]);
    });

    it('reports modelBytes equal to the bytes of the arrays it saves', () => {
      const saved = q.save();
      let bytes = 0;
      for (const arr of Object.values(saved.arrays)) bytes += arr.data.byteLength;
      expect(q.modelBytes()).toBe(bytes);
      expect(saved.pluginId).toBe(options.id);
      expect(saved.params).toEqual(params);
    });

    it('saves to HDF5 and loads in a fresh registry with identical behaviour', async () => {
      const { loadModelFile } = await import('@reef/hdf5');
      const dir = mkdtempSync(join(tmpdir(), 'reef-testkit-'));
      try {
        const file = join(dir, 'model.h5');
        await saveModelFile(file, q.save());
        const loaded = contractRegistry(options.plugin, options.provide).loadQuantizer(await loadModelFile(file));
        expect(loaded.codeSize).toBe(q.codeSize);
        expect(loaded.dim).toBe(dim);
        expect([...loaded.encode(test)]).toEqual([...codes]);
        expect([...loaded.decode(codes)]).toEqual([...decoded]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.runIf(options.modulePath !== undefined)('loads a saved model in a fresh process', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'reef-testkit-'));
      try {
        const file = join(dir, 'model.h5');
        await saveModelFile(file, q.save());
        writeFileSync(join(dir, 'codes.bin'), codes);
        writeFileSync(join(dir, 'vectors.f32'), new Uint8Array(test.data.buffer, test.data.byteOffset, test.data.byteLength));
        const child = join(dirname(fileURLToPath(import.meta.url)), 'child-load.js');
        execFileSync(process.execPath, [child, options.modulePath!, file, join(dir, 'codes.bin'), join(dir, 'vectors.f32'), String(dim), join(dir, 'decoded.f32'), join(dir, 'codes2.bin')], { stdio: 'pipe' });
        const raw = readFileSync(join(dir, 'decoded.f32'));
        expect([...new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)]).toEqual([...decoded]);
        expect([...readFileSync(join(dir, 'codes2.bin'))]).toEqual([...codes]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('rejects bad input with clear errors', async () => {
      expectReefError(() => q.encode(vectors(new Float32Array(3 * (dim + 1)), dim + 1)), 'DIMENSION_MISMATCH', String(dim + 1), String(dim));
      const nan = test.data.slice(0, 2 * dim);
      nan[dim + 3] = NaN;
      expectReefError(() => q.encode(vectors(nan, dim)), 'NON_FINITE', 'NaN');
      expectReefError(() => q.decode(codes.subarray(0, codes.length - 1)), 'BAD_CODES', String(q.codeSize));
      const fresh = () => registry.createQuantizer(options.id, config, dim);
      await expectReefError(() => fresh().fit(vectors(new Float32Array(0), dim)), 'EMPTY_DATA');
      const poisoned = train.data.slice();
      poisoned[7] = Infinity;
      await expectReefError(() => fresh().fit(vectors(poisoned, dim)), 'NON_FINITE', 'Infinity');
    });

    it('ranks codes by asymmetric distance consistently with its declaration', () => {
      const search = q.search;
      if (!search) return; // optional capability
      expect(search.metrics.length).toBeGreaterThan(0);
      expectReefError(() => search.prepare(new Float32Array(dim + 2), search.metrics[0]), 'DIMENSION_MISMATCH');
      const query = test.data.slice(0, dim);
      for (const metric of search.metrics) {
        const got = search.prepare(query, metric).distances(codes);
        expect(got.length).toBe(test.count);
        const truth = new Float32Array(test.count);
        for (let i = 0; i < test.count; i++) {
          truth[i] = metric === 'l2' ? l2sqr(query, 0, decoded, i * dim, dim) : dot(query, 0, decoded, i * dim, dim);
        }
        if (search.exactOnDecoded) {
          const tol = options.distanceTolerance ?? 1e-3;
          let scale = 0;
          for (const t of truth) scale = Math.max(scale, Math.abs(t));
          for (let i = 0; i < test.count; i++) expect(Math.abs(got[i] - truth[i])).toBeLessThanOrEqual(tol * scale + 1e-5);
        } else {
          // Estimators: at least correlated with the decoded-vector distances.
          expect(correlation(got, truth)).toBeGreaterThan(0.5);
        }
      }
    });
  });
}

function correlation(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb || 1);
}
