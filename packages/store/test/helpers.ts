import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { writeNpy } from '../src/formats/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures');

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'reef-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A one-member .npz with a deflated member (as numpy.savez_compressed writes), laid out as Python's zipfile does. */
export function compressedNpz(): Uint8Array {
  const npy = writeNpy({ dtype: 'f32', shape: [64], data: new Uint8Array(new Float32Array(64).map((_, i) => i / 7).buffer) });
  const body = deflateRawSync(npy);
  const name = Buffer.from('w.npy');
  const le = (n: number, bytes: number): number[] => Array.from({ length: bytes }, (_, k) => (n >>> (8 * k)) & 0xff);
  const common = [...le(20, 2), ...le(0, 2), ...le(8, 2), ...le(0, 2), ...le(0x21, 2), ...le(crc32(npy) >>> 0, 4), ...le(body.length, 4), ...le(npy.length, 4), ...le(name.length, 2), ...le(0, 2)];
  const local = [...le(0x04034b50, 4), ...common, ...name];
  const central = [...le(0x02014b50, 4), ...le(20, 2), ...common, ...le(0, 2), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(0, 4), ...name];
  const eocd = [...le(0x06054b50, 4), 0, 0, 0, 0, 1, 0, 1, 0, ...le(central.length, 4), ...le(local.length + body.length, 4), 0, 0];
  return new Uint8Array([...local, ...body, ...central, ...eocd]);
}

/** The delta types a host registers for plain (lossless) use: what the CLI discovers at least. */
export function losslessRegistry(): Registry {
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  return registry;
}
