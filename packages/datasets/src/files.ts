import type { Vectors } from '@reef/core';
import { readBytes } from './binary.js';
import { defaultMemoryBudget } from './memory.js';
import { parseNpy } from './npy.js';
import { parseVecs, vecsKindOf, type VecsKind } from './vecs.js';

/** The Node readers of .npy and TEXMEX files: the bytes of `path`, parsed within the memory budget. */

export function readNpy(path: string): Vectors {
  return parseNpy(readBytes(path), path, defaultMemoryBudget());
}

export function readVecs(path: string, kind: VecsKind = vecsKindOf(path) ?? 'fvecs'): { data: Float32Array | Int32Array; count: number; dim: number } {
  return parseVecs(readBytes(path), kind, path, defaultMemoryBudget());
}

/** Reads .fvecs or .bvecs as float32 vectors. */
export function readVectorsVecs(path: string): Vectors {
  const kind = vecsKindOf(path) ?? 'fvecs';
  const { data, count, dim } = readVecs(path, kind);
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), count, dim };
}
