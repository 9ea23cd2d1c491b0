import { vecsKindOf } from '@reef/datasets/parse';

/** File kinds the playground reads, by name; the same as `reef` reads (IDX aside). */
export function datasetKind(name: string): 'hdf5' | 'npy' | 'vecs' | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.hdf5') || lower.endsWith('.h5')) return 'hdf5';
  if (lower.endsWith('.npy')) return 'npy';
  return vecsKindOf(lower) === 'fvecs' || vecsKindOf(lower) === 'bvecs' ? 'vecs' : undefined;
}
