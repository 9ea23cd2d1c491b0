import { ReefError } from '@reef/core/errors';
import type { DeltaTypePlugin, PortableData } from '@reef/core';
import type { H5File, H5Group } from '@reef/hdf5';
import { hdf5 } from './h5-lazy.js';
import { createHash } from 'node:crypto';

/**
 * Trained codebooks (PQ centroids) kept once per content and shared by the delta payloads that use
 * them. A payload of a delta type with `codebook` support is written without the codebook arrays;
 * its object records the codebook's hash, and the arrays are put back before decoding. In a pack
 * a codebook is the group `/pq_codebooks/<hash>` (arrays as datasets, attributes as for payloads).
 */

/** Group of the codebooks in a pack file. */
export const CODEBOOK_GROUP = 'pq_codebooks';

/** What a pack manifest lists about a codebook. */
export interface CodebookInfo {
  readonly hash: string;
  /** The delta type that trained it. */
  readonly deltaType: string;
  /** Bytes of its arrays (what it adds to the repository, before HDF5 overhead). */
  readonly bytes: number;
}

/** A codebook ready to be written. */
export interface StoredCodebook {
  readonly info: CodebookInfo;
  readonly data: PortableData;
}

/**
 * Content address of a codebook: sha256 over the delta type, the attributes and every array (name,
 * element type, shape, bytes) in name order. Identical training gives one object.
 */
export function codebookHash(deltaType: string, data: PortableData): string {
  const h = createHash('sha256').update(`codebook\n${deltaType}\n${JSON.stringify(data.attributes)}\n`);
  for (const name of Object.keys(data.arrays).sort()) {
    const a = data.arrays[name];
    h.update(`${name}\n${a.data.constructor.name}\n${JSON.stringify(a.shape)}\n`);
    h.update(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
  }
  return h.digest('hex');
}

export function storedCodebook(deltaType: string, data: PortableData): StoredCodebook {
  const bytes = Object.values(data.arrays).reduce((s, a) => s + a.data.byteLength, 0);
  return { info: { hash: codebookHash(deltaType, data), deltaType, bytes }, data };
}

/** The payload without the codebook arrays `plugin` declares (kept apart, shared). */
export function withoutCodebook(plugin: DeltaTypePlugin, payload: PortableData): PortableData {
  const names = new Set(plugin.codebook?.arrays ?? []);
  const arrays = Object.fromEntries(Object.entries(payload.arrays).filter(([name]) => !names.has(name)));
  return { arrays, attributes: payload.attributes };
}

/** The codebook part of a payload (its declared arrays), with the payload's attributes. */
export function codebookOf(plugin: DeltaTypePlugin, payload: PortableData): PortableData {
  const names = plugin.codebook?.arrays ?? [];
  const arrays = Object.fromEntries(names.filter((n) => payload.arrays[n]).map((n) => [n, payload.arrays[n]]));
  return { arrays, attributes: {} };
}

/** Puts a codebook's arrays back into a stripped payload, for decoding. */
export function withCodebook(payload: PortableData, codebook: PortableData): PortableData {
  return { arrays: { ...payload.arrays, ...codebook.arrays }, attributes: payload.attributes };
}

export function writeCodebook(file: H5File, codebook: StoredCodebook): void {
  const parent = file.keys().includes(CODEBOOK_GROUP) ? (file.get(CODEBOOK_GROUP) as H5Group) : file.create_group(CODEBOOK_GROUP);
  if (parent.keys().includes(codebook.info.hash)) return;
  const group = parent.create_group(codebook.info.hash);
  hdf5().writePortable(group, codebook.data);
  group.create_attribute('delta_type', codebook.info.deltaType);
  group.create_attribute('content_hash', `sha256:${codebook.info.hash}`);
}

/** Reads a codebook from its pack and checks its content against its hash. */
export function readCodebook(file: H5File, info: CodebookInfo, pack: string): PortableData {
  const where = `pack ${pack}, codebook ${info.hash.slice(0, 12)}`;
  const group = file.get(`${CODEBOOK_GROUP}/${info.hash}`);
  if (!(group instanceof hdf5().h5wasm.Group)) {
    throw new ReefError('REPOSITORY', `${where}: /${CODEBOOK_GROUP}/${info.hash} is missing from the pack; the repository is damaged`);
  }
  const data = hdf5().readPortable(group, where);
  if (codebookHash(info.deltaType, data) !== info.hash) throw new ReefError('REPOSITORY', `${where} is corrupt: its content no longer matches its hash`);
  return data;
}
