import { totalmem } from 'node:os';
import type { Vectors } from '@reef/core';
import { readAnnAt, readMatrixBounded, type AnnDataset, type AnnReadOptions } from './ann.js';
import { assertReadableFile } from './file.js';
import { h5ready, type H5File } from './h5.js';

/** Half the machine's memory: what a reader may allocate for one dataset unless told otherwise. */
export function defaultMemoryBudget(): number {
  return Math.floor(totalmem() / 2);
}

/** Reads a 2-D numeric dataset as float32 vectors, slice by slice, its size checked against the file first. */
export function readMatrix(file: H5File, path: string, what: string, fileSize = assertReadableFile(path), memoryBudget = defaultMemoryBudget()): Vectors {
  return readMatrixBounded(file, path, what, fileSize, memoryBudget);
}

/**
 * Reads an ann-benchmarks HDF5 file from disk, checking the parts agree (dimensions, query counts,
 * neighbour ids in range) and every declared size against the file and the memory budget before
 * reading. Any HDF5 failure becomes one ReefError line naming the file (see guardH5).
 */
export async function readAnnBenchmarks(path: string, name = path, options: AnnReadOptions = {}): Promise<AnnDataset> {
  const fileSize = assertReadableFile(path);
  await h5ready();
  return readAnnAt(path, name, fileSize, options.memoryBudget ?? defaultMemoryBudget());
}
