import { readFileSync } from 'node:fs';
import { encodeVecs, readVectorFile } from '@reef/datasets';
import { readAnnBenchmarks } from '@reef/hdf5';
import { assemble, FileSource, scanModelFile } from '@reef/store';
import type { ReaderName } from './seeds.js';

/** What a reader made of a file it accepted. */
export interface Accepted {
  /** False when reading it back does not reproduce what was read (a silent corruption). */
  readonly roundTripped: boolean;
  readonly detail: string;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** `reef add`'s path: scan the headers, load every tensor, and re-assemble the file byte for byte. */
function readModelFile(path: string): Accepted {
  const src = new FileSource(path);
  try {
    const scanned = scanModelFile(path, src);
    const data = scanned.entries.map((e) => e.load());
    const again = assemble(scanned.segments, data);
    return { roundTripped: sameBytes(again, new Uint8Array(readFileSync(path))), detail: `${scanned.entries.length} tensors` };
  } finally {
    src.close();
  }
}

/**
 * Reads one file the way Reef's users do (the sweep's dataset loader, or `reef add`), checking what
 * an accepted file gives: shapes that add up, finite vectors, exact re-encoding where the format
 * allows it. Throws whatever the reader throws.
 */
export async function readCase(reader: ReaderName, path: string, memoryBudget: number): Promise<Accepted> {
  switch (reader) {
    case 'hdf5': {
      const ann = await readAnnBenchmarks(path, path, { memoryBudget });
      const consistent = ann.train.data.length === ann.train.count * ann.train.dim && ann.test.dim === ann.train.dim
        && (!ann.neighbors || ann.neighbors.ids.every((id) => id >= 0 && id < ann.train.count));
      return { roundTripped: consistent, detail: `${ann.train.count}x${ann.train.dim}` };
    }
    case 'vecs': {
      const v = readVectorFile(path);
      return { roundTripped: sameBytes(encodeVecs(v.data, v.dim), new Uint8Array(readFileSync(path))), detail: `${v.count}x${v.dim}` };
    }
    case 'npy-dataset':
    case 'idx': {
      const v = readVectorFile(path);
      return { roundTripped: v.data.length === v.count * v.dim && v.data.every(Number.isFinite), detail: `${v.count}x${v.dim}` };
    }
    case 'npy':
    case 'npz':
    case 'safetensors':
      return readModelFile(path);
  }
}
