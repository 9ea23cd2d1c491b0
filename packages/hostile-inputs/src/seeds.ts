import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { Tensor } from '@reef/core';
import { encodeVecs } from '@reef/datasets';
import { h5ready, h5wasm } from '@reef/hdf5';
import { writeNpy, writeNpz, writeSafetensors } from '@reef/store';
import { SeededRandom, type Regions } from './mutators.js';

/** The reader a case goes through: the sweep's dataset readers, or `reef add`'s model-file scanner. */
export type ReaderName = 'hdf5' | 'vecs' | 'npy-dataset' | 'idx' | 'npy' | 'npz' | 'safetensors';

/** A small valid file of one format: what the mutators start from. */
export interface SeedFile {
  readonly reader: ReaderName;
  /** Short label for tables, e.g. `npz-deflated`. */
  readonly label: string;
  /** File name ending the readers recognise (`.fvecs`, `-ubyte.gz`, ...). */
  readonly suffix: string;
  readonly bytes: Uint8Array;
  /** Where its header fields are (for header edits and size lies). */
  readonly regions: Regions;
}

function floats(count: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
}

function tensor(dtype: Tensor['dtype'], shape: number[], values: Float32Array): Tensor {
  return { dtype, shape, data: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) };
}

function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** A zip of deflated members, as numpy.savez_compressed writes them (the store's writer only stores). */
export function deflatedZip(members: readonly { name: string; body: Uint8Array }[]): Uint8Array {
  const parts: number[] = [];
  const central: number[] = [];
  for (const { name, body } of members) {
    const fileName = [...new TextEncoder().encode(name)];
    const packed = deflateRawSync(body);
    const common = [...u16(0), ...u16(8), ...u16(0), ...u16(0x21), ...u32(crc32(body) >>> 0), ...u32(packed.length), ...u32(body.length), ...u16(fileName.length), ...u16(0)];
    central.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...common, ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(parts.length), ...fileName);
    parts.push(...u32(0x04034b50), ...u16(20), ...common, ...fileName, ...packed);
  }
  const eocd = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(members.length), ...u16(members.length), ...u32(central.length), ...u32(parts.length), ...u16(0)];
  return Uint8Array.from([...parts, ...central, ...eocd]);
}

/** An IDX file (big-endian dims, u8 pixels) of `count` 4×4 images. */
function idxImages(count: number): Uint8Array {
  const rng = new SeededRandom(7);
  const header = [0, 0, 0x08, 3, 0, 0, 0, count, 0, 0, 0, 4, 0, 0, 0, 4];
  return Uint8Array.from([...header, ...Array.from({ length: count * 16 }, () => rng.int(256))]);
}

/** A tiny ann-benchmarks file with gzip-compressed, chunked datasets, written through h5wasm. */
async function chunkedAnnFile(scratchDir: string): Promise<Uint8Array> {
  await h5ready();
  const path = join(scratchDir, 'seed-chunked.hdf5');
  const file = new h5wasm.File(path, 'w');
  try {
    file.create_attribute('distance', 'euclidean');
    file.create_dataset({ name: 'train', data: floats(64 * 8, 3), shape: [64, 8], chunks: [16, 8], compression: 'gzip' });
    file.create_dataset({ name: 'test', data: floats(8 * 8, 4), shape: [8, 8] });
    file.create_dataset({ name: 'neighbors', data: Int32Array.from({ length: 8 * 4 }, (_, i) => (i * 7) % 64), shape: [8, 4] });
    file.create_dataset({ name: 'distances', data: Float32Array.from({ length: 8 * 4 }, (_, i) => i / 4), shape: [8, 4] });
  } finally {
    file.close();
  }
  const bytes = new Uint8Array(readFileSync(path));
  rmSync(path, { force: true });
  return bytes;
}

/**
 * One or two valid seed files per reader: hdf5 from the repository's fixtures plus a chunked one
 * written here; fvecs, npy, npz (stored and deflated), safetensors and IDX (plain and gzip) written
 * by Reef's own writers or by hand.
 */
export async function seedFiles(fixturesDir: string, scratchDir: string): Promise<SeedFile[]> {
  const w = tensor('f32', [12, 6], floats(72, 1));
  const b = tensor('f32', [6], floats(6, 2));
  const npy = writeNpy(w);
  const npyHeader = npy.length - w.data.length;
  const stored = writeNpz([{ name: 'w', tensor: w }, { name: 'b', tensor: b }]);
  const deflated = deflatedZip([{ name: 'w.npy', body: npy }, { name: 'b.npy', body: writeNpy(b) }]);
  const safetensors = writeSafetensors([{ name: 'w', tensor: w }, { name: 'b', tensor: b }]);
  const stHeader = 8 + Number(new DataView(safetensors.buffer, safetensors.byteOffset).getBigUint64(0, true));
  const idx = idxImages(24);
  const gauss = new Uint8Array(readFileSync(join(fixturesDir, 'gauss-500-16-euclidean.hdf5')));
  const zipRegions = (z: Uint8Array): Regions => [[0, 80], [Math.max(0, z.length - 160), z.length]];
  return [
    { reader: 'hdf5', label: 'hdf5-gauss', suffix: '.hdf5', bytes: gauss, regions: [[0, 2048]] },
    { reader: 'hdf5', label: 'hdf5-chunked-gzip', suffix: '.hdf5', bytes: await chunkedAnnFile(scratchDir), regions: [[0, 2048]] },
    { reader: 'vecs', label: 'fvecs', suffix: '.fvecs', bytes: encodeVecs(floats(20 * 8, 5), 8), regions: [[0, 4], [36, 40]] },
    { reader: 'npy-dataset', label: 'npy-dataset', suffix: '.npy', bytes: npy, regions: [[0, npyHeader]] },
    { reader: 'idx', label: 'idx', suffix: '-ubyte', bytes: idx, regions: [[0, 16]] },
    { reader: 'idx', label: 'idx-gzip', suffix: '-ubyte.gz', bytes: new Uint8Array(gzipSync(idx)), regions: [[0, 32]] },
    { reader: 'npy', label: 'npy', suffix: '.npy', bytes: npy, regions: [[0, npyHeader]] },
    { reader: 'npz', label: 'npz-stored', suffix: '.npz', bytes: stored, regions: zipRegions(stored) },
    { reader: 'npz', label: 'npz-deflated', suffix: '.npz', bytes: deflated, regions: zipRegions(deflated) },
    { reader: 'safetensors', label: 'safetensors', suffix: '.safetensors', bytes: safetensors, regions: [[0, stHeader]] },
  ];
}
