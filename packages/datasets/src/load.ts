import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReefError, type Vectors } from '@reef/core';
import { assertFiniteVectors } from './bounds.js';
import { assertGroundTruthShape, exactGroundTruth } from './groundtruth.js';
import { readIdx } from './idx.js';
import { clusteredVectors, gaussianVectors } from './synthetic.js';
import type { Dataset, GroundTruth } from './types.js';
import { readNpy, readVecs, readVectorsVecs } from './files.js';
import { holdOutQueries } from './holdout.js';
import { vecsKindOf } from './vecs.js';

/** The dataset bundled with this package: 2000 Fashion-MNIST images as base, 100 test images as queries. */
export const DEFAULT_DATASET = 'fmnist-2k';
export const BUNDLED_DATASETS: Readonly<Record<string, string>> = {
  'fmnist-2k': fileURLToPath(new URL('../data/fmnist-2k-784-euclidean.hdf5', import.meta.url)),
};

export interface LoadOptions {
  /**
   * Queries held out from a single-matrix file or synthetic set (default: min(100, 10% of vectors));
   * for files with their own query set, use only the first n of them.
   */
  readonly queryCount?: number;
  /** Take queries from this file instead of holding them out. */
  readonly queryFile?: string;
  /** Ground truth as .ivecs (or .npy of ints) for the queries; its shape must match them. */
  readonly groundTruthFile?: string;
  /** Sample queries from the base but keep them in it (off by default: queries are held out). */
  readonly queriesInBase?: boolean;
  /** Neighbours of ground truth to compute when the file has none (default 100). */
  readonly k?: number;
  /** Seed for hold-out sampling. */
  readonly seed?: number;
  /**
   * Where computed ground truth is cached (default: `defaultCacheDir()`, i.e.
   * `$XDG_CACHE_HOME/reef/datasets` or `~/.cache/reef/datasets`). Never the dataset's own folder:
   * it may be a system folder (/usr/share/datasets) or someone else's.
   */
  readonly cacheDir?: string;
  readonly onWarning?: (message: string) => void;
  /** Told how far loading and ground truth got (`label`, fraction in [0, 1]; NaN: under way), for a progress display. */
  readonly onProgress?: (fraction: number, label: string) => void;
}

/**
 * Where Reef caches what it computes from datasets (ground truth): `$XDG_CACHE_HOME/reef/datasets`,
 * else `~/.cache/reef/datasets` (the XDG default), else, with no home folder, `.reef-cache/datasets`
 * in the current folder.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'reef', 'datasets');
  const home = env.HOME ?? env.USERPROFILE;
  return home && isAbsolute(home) ? join(home, '.cache', 'reef', 'datasets') : resolve('.reef-cache', 'datasets');
}

/** File kinds recognised by name. */
export function datasetFormat(path: string): 'hdf5' | 'vecs' | 'npy' | 'idx' | undefined {
  const lower = path.toLowerCase();
  if (/\.(hdf5|h5)$/.test(lower)) return 'hdf5';
  if (vecsKindOf(lower) && !lower.endsWith('.ivecs')) return 'vecs';
  if (lower.endsWith('.npy')) return 'npy';
  if (/(\.idx\d?|-ubyte|\.idx\d?-ubyte)(\.gz)?$/.test(lower) || /\.idx(\.gz)?$/.test(lower)) return 'idx';
  return undefined;
}

/** Reads a single matrix of vectors from any supported non-HDF5 file; NaN/Inf rows are refused. */
export function readVectorFile(path: string): Vectors {
  const vectors = readVectorMatrix(path);
  assertFiniteVectors(vectors, path);
  return vectors;
}

function readVectorMatrix(path: string): Vectors {
  switch (datasetFormat(path)) {
    case 'vecs':
      return readVectorsVecs(path);
    case 'npy':
      return readNpy(path);
    case 'idx':
      return readIdx(path);
    default:
      throw new ReefError('BAD_FILE', `${path}: unknown dataset format; use .hdf5/.h5 (ann-benchmarks), .fvecs, .bvecs, .npy or IDX (-ubyte, .gz)`);
  }
}

function parseSyntheticSpec(spec: string): { kind: 'gaussian' | 'clustered'; opts: Record<string, number> } | undefined {
  const m = /^(gaussian|clustered)(?::(.*))?$/.exec(spec);
  if (!m) return undefined;
  const opts: Record<string, number> = {};
  for (const part of (m[2] ?? '').split(',').filter(Boolean)) {
    const [key, value] = part.split('=');
    const n = Number(value);
    if (!key || value === undefined || !Number.isFinite(n)) {
      throw new ReefError('INVALID_PARAM', `synthetic dataset option '${part}' in '${spec}' must look like name=number`);
    }
    if (!['n', 'dim', 'seed', 'clusters', 'spread'].includes(key)) {
      throw new ReefError('INVALID_PARAM', `unknown synthetic dataset option '${key}' in '${spec}'; known: n, dim, seed, clusters, spread`);
    }
    opts[key] = n;
  }
  return { kind: m[1] as 'gaussian' | 'clustered', opts };
}

function normalizeRows(v: Vectors): void {
  for (let i = 0; i < v.count; i++) {
    let s = 0;
    for (let j = 0; j < v.dim; j++) s += v.data[i * v.dim + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < v.dim; j++) v.data[i * v.dim + j] *= inv;
  }
}

function readGroundTruthFile(path: string, queries: Vectors, baseCount: number): GroundTruth {
  const { data, count, dim } = path.toLowerCase().endsWith('.npy') ? readNpy(path) : readVecs(path, 'ivecs');
  const ids = data instanceof Int32Array ? data : Int32Array.from(data);
  if (count !== queries.count) {
    throw new ReefError('DIMENSION_MISMATCH', `ground truth ${path} has ${count} rows but there are ${queries.count} queries`);
  }
  assertGroundTruthShape(ids, dim, queries, `ground truth ${path}`);
  const bad = ids.findIndex((id) => id < 0 || id >= baseCount);
  if (bad >= 0) {
    throw new ReefError('BAD_FILE', `ground truth ${path}: row ${Math.floor(bad / dim)} holds id ${ids[bad]}, outside [0, ${baseCount}) (the base has ${baseCount} vectors)`);
  }
  return { ids, k: dim, origin: 'file' };
}

function stemOf(path: string): string {
  return basename(path).replace(/\.(gz)$/i, '').replace(/\.[^.]+$/, '');
}

/**
 * Loads a dataset by name (`fmnist-2k`, `default`), synthetic spec (`gaussian:n=2000,dim=32`,
 * `clustered:n=5000,dim=64,clusters=32`) or file path (.hdf5/.h5, .fvecs, .bvecs, .npy, IDX).
 */
export async function loadDataset(spec: string = DEFAULT_DATASET, options: LoadOptions = {}): Promise<Dataset> {
  const k = options.k ?? 100;
  const seed = options.seed ?? 1;
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const progress = options.onProgress ?? (() => {});
  const named = spec === 'default' ? DEFAULT_DATASET : spec;
  const path = BUNDLED_DATASETS[named] ?? spec;
  const synthetic = parseSyntheticSpec(spec);

  let name: string;
  let base: Vectors;
  let queries: Vectors;
  let truth: GroundTruth | undefined;
  let attributes: Record<string, string | number> = {};
  // Ground truth is cached under cacheDir, by the file's name or the synthetic spec (and keyed by a hash of the data).
  let cacheStem: string;

  if (synthetic) {
    const { n = 2000, dim = 32, seed: dataSeed = 1, clusters, spread } = synthetic.opts;
    const all = synthetic.kind === 'gaussian'
      ? gaussianVectors({ count: n, dim, seed: dataSeed })
      : clusteredVectors({ count: n, dim, seed: dataSeed, clusters, spread });
    ({ base, queries } = holdOutQueries(all, options.queryCount ?? Math.min(100, Math.max(1, Math.floor(n / 10))), seed, options.queriesInBase));
    name = spec;
    cacheStem = join(cacheDir, spec.replace(/[^a-zA-Z0-9=.,-]/g, '_'));
  } else if (datasetFormat(path) === 'hdf5') {
    progress(Number.NaN, `loading ${stemOf(path)}`);
    // Imported on first use: h5wasm takes a second to load, and most callers never read HDF5.
    const { readAnnBenchmarks } = await import('@reef/hdf5');
    const ann = await readAnnBenchmarks(path, stemOf(path));
    const distance = String(ann.attributes.distance ?? 'euclidean');
    if (distance !== 'euclidean' && distance !== 'angular') {
      throw new ReefError('UNSUPPORTED', `${path} uses distance ${JSON.stringify(distance.slice(0, 40))}; the sweep measures euclidean (and angular, as L2 on normalised vectors)`);
    }
    base = ann.train;
    queries = ann.test;
    attributes = ann.attributes;
    if (distance === 'angular') {
      normalizeRows(base);
      normalizeRows(queries);
    }
    if (ann.neighbors && !options.groundTruthFile) {
      assertGroundTruthShape(ann.neighbors.ids, ann.neighbors.k, queries, `${path} neighbors`);
      truth = { ids: ann.neighbors.ids, k: ann.neighbors.k, origin: 'file', distances: ann.distances };
    }
    if (options.queryCount !== undefined && options.queryCount < queries.count) {
      // Fewer queries asked for (e.g. a quick run): the first n, with their rows of ground truth.
      const n = options.queryCount;
      if (!Number.isInteger(n) || n <= 0) throw new ReefError('INVALID_PARAM', `query count must be a positive integer, got ${n}`);
      queries = { data: queries.data.slice(0, n * queries.dim), count: n, dim: queries.dim };
      if (truth) truth = { ...truth, ids: truth.ids.slice(0, n * truth.k), distances: truth.distances?.slice(0, n * truth.k) };
    }
    name = BUNDLED_DATASETS[named] ? named : stemOf(path);
    cacheStem = join(cacheDir, stemOf(path));
    progress(1, `loading ${stemOf(path)}`);
  } else {
    progress(Number.NaN, `loading ${stemOf(path)}`);
    const all = readVectorFile(path);
    progress(1, `loading ${stemOf(path)}`);
    if (options.queryFile) {
      base = all;
      queries = readVectorFile(options.queryFile);
    } else {
      ({ base, queries } = holdOutQueries(all, options.queryCount ?? Math.min(100, Math.max(1, Math.floor(all.count / 10))), seed, options.queriesInBase));
    }
    name = stemOf(path);
    const stem = `${stemOf(path)}${options.queryFile ? '' : `.q${queries.count}s${seed}${options.queriesInBase ? 'in' : ''}`}`;
    cacheStem = join(cacheDir, stem);
  }

  if (base.dim !== queries.dim) {
    throw new ReefError('DIMENSION_MISMATCH', `${spec}: base vectors have dimension ${base.dim} but queries have ${queries.dim}`);
  }
  if (base.count === 0 || queries.count === 0) throw new ReefError('EMPTY_DATA', `${spec}: dataset has ${base.count} base vectors and ${queries.count} queries`);
  if (options.groundTruthFile) truth = readGroundTruthFile(options.groundTruthFile, queries, base.count);
  truth ??= exactGroundTruth(base, queries, k, { cacheStem, onWarning: options.onWarning, onProgress: (f) => progress(f, `ground truth of ${name}`) });
  return { name, source: BUNDLED_DATASETS[named] ? `bundled:${named}` : spec, base, queries, groundTruth: truth, attributes };
}
