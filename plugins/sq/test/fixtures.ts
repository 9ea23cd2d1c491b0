import { readAnnBenchmarks, type AnnDataset } from '@reef/hdf5';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));

export interface FaissResult {
  readonly factory: string;
  readonly code_bytes: number;
  readonly mse: number;
  readonly recall10: number;
}

/** FAISS 1.7.3's figures on fmnist-2k, by index factory string (e.g. `SQ8`). */
export function faissReference(factory: string): FaissResult {
  const json = JSON.parse(readFileSync(fixture('faiss-reference.json'), 'utf8')) as { results: FaissResult[] };
  const found = json.results.find((r) => r.factory === factory);
  if (!found) throw new Error(`faiss-reference.json has no ${factory}`);
  return found;
}

export function readFmnist2k(): Promise<AnnDataset> {
  return readAnnBenchmarks(fixture('fmnist-2k-784-euclidean.hdf5'));
}
