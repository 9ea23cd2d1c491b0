import type * as Hdf5 from '@reef/hdf5';

/**
 * The store's one way to @reef/hdf5 (and so h5wasm), loaded on first use: commands that open no
 * pack (status, log, show, branch, tag) start without loading and compiling h5wasm. Whatever opens
 * an HDF5 file awaits `loadHdf5()` first; code working on a file already open uses `hdf5()`.
 */

let loaded: typeof Hdf5 | undefined;
let loading: Promise<typeof Hdf5> | undefined;

export function loadHdf5(): Promise<typeof Hdf5> {
  loading ??= import('@reef/hdf5').then((module) => (loaded = module));
  return loading;
}

/** @reef/hdf5 once `loadHdf5()` has resolved (every H5File in the store was opened after it). */
export function hdf5(): typeof Hdf5 {
  if (!loaded) throw new Error('internal error: @reef/hdf5 used before loadHdf5() resolved');
  return loaded;
}

/** First line of an error's message (what @reef/hdf5's messageOf gives), without loading it. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
