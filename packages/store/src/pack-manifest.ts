import { ReefError } from '@reef/core/errors';
import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import type { CodebookInfo } from './codebooks.js';
import type { InlineObject } from './inline-objects.js';
import type { ObjectInfo } from './object-format.js';

/**
 * A pack's manifest (`packs/<pack>.json`): the objects it holds, what the store knows of each
 * without opening the pack, and (format 2) the small objects themselves, inline. Owned by the store;
 * read in every format it has had.
 *
 * - format 1 (no `format` field): `{ pack, objects: ObjectInfo[], codebooks? }`, every object in the
 *   pack's HDF5 file.
 * - format 2: `{ format: 2, pack, objects, codebooks? }`; an entry omits `rawBytes` (its dtype and
 *   shape give it) and may carry `inline` (inline-objects.ts): an object that small is kept in the
 *   manifest instead of the HDF5 file, and a pack whose objects are all inline has no HDF5 file.
 */
export const MANIFEST_FORMAT = 2;
const READABLE_FORMATS = [1, 2];

/** One object as a manifest lists it. */
export type ManifestEntry = Omit<ObjectInfo, 'rawBytes'> & { readonly rawBytes?: number; readonly inline?: InlineObject };

export interface PackManifest {
  readonly format?: number;
  readonly pack: string;
  readonly objects: ManifestEntry[];
  /** Codebooks stored in the pack (absent in packs written before codebooks existed). */
  readonly codebooks?: CodebookInfo[];
}

/** A manifest as read: each object's full info, and the inline objects by hash. */
export interface ReadManifest {
  readonly pack: string;
  readonly objects: ObjectInfo[];
  readonly inline: ReadonlyMap<string, InlineObject>;
  readonly codebooks: CodebookInfo[];
}

/** The manifest text of a pack written now (format 2). */
export function manifestText(pack: string, objects: readonly { info: ObjectInfo; inline?: InlineObject }[], codebooks: readonly CodebookInfo[]): string {
  const entries = objects.map(({ info, inline }): ManifestEntry => {
    const { rawBytes: _derived, ...rest } = info;
    return inline ? { ...rest, inline } : rest;
  });
  const manifest: PackManifest = { format: MANIFEST_FORMAT, pack, objects: entries, ...(codebooks.length ? { codebooks: [...codebooks] } : {}) };
  return JSON.stringify(manifest);
}

/** Checks and expands a parsed manifest (`file` names it in errors). */
export function readManifest(raw: unknown, file: string): ReadManifest {
  const manifest = raw as PackManifest | undefined;
  if (!manifest || typeof manifest !== 'object' || !Array.isArray(manifest.objects) || typeof manifest.pack !== 'string') {
    throw new ReefError('REPOSITORY', `pack manifest ${file} is corrupt: no pack name or object list`);
  }
  const format = manifest.format ?? 1;
  if (!READABLE_FORMATS.includes(format)) {
    throw new ReefError('REPOSITORY', `pack manifest ${file} has format ${JSON.stringify(format)}, which this reef does not read (it reads ${READABLE_FORMATS.join(', ')}); upgrade @reef/store`);
  }
  const objects: ObjectInfo[] = [];
  const inline = new Map<string, InlineObject>();
  for (const entry of manifest.objects) {
    if (!entry || typeof entry.hash !== 'string' || !(entry.dtype in DTYPE_BYTES) || !Array.isArray(entry.shape)) {
      throw new ReefError('REPOSITORY', `pack manifest ${file} is corrupt: an object without a hash, dtype or shape`);
    }
    const { inline: kept, ...rest } = entry;
    objects.push({ ...rest, rawBytes: entry.rawBytes ?? elementCount(entry.shape) * DTYPE_BYTES[entry.dtype] });
    if (kept !== undefined) inline.set(entry.hash, kept);
  }
  return { pack: manifest.pack, objects, inline, codebooks: manifest.codebooks ?? [] };
}
