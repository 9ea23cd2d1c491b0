import { ReefError, type Vectors } from '@reef/core';
import { assertFiniteVectors, holdOutQueries, parseNpy, parseVecs, vecsKindOf } from '@reef/datasets/parse';
import { datasetKind } from './formats.js';
import { readAnnBytes } from '@reef/hdf5/browser';
import { exactKnn } from '@reef/kernels';
import { SEARCH_K, type MeasuredData } from '@reef/metrics';

/** `loadDataset`'s hold-out seed and query count, so a file gives the same split as `reef` and the sweep. */
const HOLD_OUT_SEED = 1;
const queryCountFor = (n: number): number => Math.min(100, Math.max(1, Math.floor(n / 10)));

/**
 * Base vectors, queries and exact neighbours from a file's bytes: an ann-benchmarks file brings
 * its own queries (and usually neighbours); a single matrix (.npy, .fvecs, .bvecs) has queries
 * held out as `loadDataset` does it, and neighbours computed here.
 */
export async function datasetFromBytes(name: string, bytes: Uint8Array): Promise<MeasuredData> {
  const kind = datasetKind(name);
  let base: Vectors;
  let queries: Vectors;
  if (kind === 'hdf5') {
    const ann = await readAnnBytes(bytes, name);
    const distance = String(ann.attributes.distance ?? 'euclidean');
    if (distance !== 'euclidean') throw new ReefError('UNSUPPORTED', `${name} uses distance ${JSON.stringify(distance.slice(0, 40))}; the playground measures euclidean files (reef and the sweep also read angular ones)`);
    base = ann.train;
    queries = ann.test;
    if (ann.neighbors) return { base, queries, groundTruth: ann.neighbors };
  } else if (kind === 'npy' || kind === 'vecs') {
    const all = kind === 'npy' ? parseNpy(bytes, name) : toFloat(parseVecs(bytes, vecsKindOf(name) ?? 'fvecs', name));
    assertFiniteVectors(all, name);
    ({ base, queries } = holdOutQueries(all, queryCountFor(all.count), HOLD_OUT_SEED));
  } else {
    throw new ReefError('BAD_FILE', `${name}: unknown dataset format; drop an ann-benchmarks .hdf5, a .npy, an .fvecs or a .bvecs file`);
  }
  const k = Math.min(SEARCH_K, base.count);
  const { ids } = exactKnn(base.data, base.count, queries.data, queries.count, base.dim, k);
  return { base, queries, groundTruth: { ids, k } };
}

function toFloat(v: { data: Float32Array | Int32Array; count: number; dim: number }): Vectors {
  return { data: v.data instanceof Float32Array ? v.data : Float32Array.from(v.data), count: v.count, dim: v.dim };
}
