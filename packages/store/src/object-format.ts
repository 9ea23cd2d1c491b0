import { ReefError } from '@reef/core/errors';
import type { DType, PortableData } from '@reef/core';
import type { PackedPlanes } from '@reef/codecs';

/**
 * The store's object format: what a pack records about each object, and how a whole tensor (byte
 * planes + deflate, packed by @reef/codecs) is laid out. Owned here, not by a plugin, so that no
 * plugin change can make existing repositories unreadable. Shared by the pack writer and the object
 * store (which reads), so neither imports the other's module.
 */

/**
 * Version of the whole-tensor format, written in each whole object's `object` attribute and
 * checked on read. Objects written before it was recorded carry none and are version 1. Raise it
 * (and keep reading the old versions) whenever the stored layout of a whole tensor changes.
 */
export const WHOLE_FORMAT_VERSION = 2;
/**
 * Versions this code reads: 1 (planes raw or deflated), 2 (also context-coded planes, the `context`
 * list). A whole tensor without context-coded planes is still written as version 1, readable by
 * older builds.
 */
const READABLE_VERSIONS = [1, 2];

/** What the store knows about one stored tensor without opening its pack. */
export interface ObjectInfo {
  readonly hash: string;
  readonly dtype: DType;
  readonly shape: number[];
  /** 'whole' (byte planes + deflate) or the id of the delta type. */
  readonly encoding: string;
  /** Hash of the reference tensor, for deltas; ZERO_REFERENCE for lossy deltas against all zeros. */
  readonly reference?: string;
  /** Deltas to decode before this one (0 for whole tensors); bounded so reads stay fast. */
  readonly depth: number;
  readonly rawBytes: number;
  readonly storedBytes: number;
  /** 'centroid' for a cluster centroid (src/cluster.ts): no file holds it, its hash has its own domain. */
  readonly kind?: typeof CENTROID_KIND;
  /** Hash of the shared codebook (/pq_codebooks) the delta payload needs back before decoding. */
  readonly codebook?: string;
  /** Measured error of a lossy encoding against the tensor that was added (src/quality.ts). */
  readonly error?: { readonly maxAbs: number; readonly relL2: number };
}

/** `ObjectInfo.kind` of a cluster centroid: a stored reference tensor that no file contains. */
export const CENTROID_KIND = 'centroid';

/** An object ready to be written: its info plus either packed planes or a delta payload. */
export interface EncodedObject {
  readonly info: ObjectInfo;
  readonly whole?: PackedPlanes;
  readonly payload?: PortableData;
}

/** Byte-plane layout of a whole tensor, as its attribute records it. */
export interface PlanesAttribute {
  readonly lengths: number[];
  readonly deflated: boolean[];
  readonly layout: string;
  /** Version 2: which planes are context-coded (@reef/codecs context-planes); absent when none. */
  readonly context?: boolean[];
}

/** What a pack records about each object, for Reef and for other HDF5 readers (one JSON attribute `object`). */
export interface ObjectAttribute {
  readonly dtype: string;
  readonly shape: number[];
  /** Whole tensors: stored length and deflate flag of each byte plane, and the bit layout. */
  readonly planes?: PlanesAttribute;
  /** Whole tensors: `WHOLE_FORMAT_VERSION` of the layout (absent before it was recorded: 1). */
  readonly version?: number;
  /** Deltas: the delta type and the hash of the reference tensor. */
  readonly delta_type?: string;
  readonly reference?: string;
  /** 'centroid' for cluster centroids. */
  readonly kind?: string;
}

/** The `object` attribute of a whole tensor. */
export function wholeObjectAttribute(info: ObjectInfo, whole: PackedPlanes): ObjectAttribute {
  return {
    dtype: info.dtype,
    shape: info.shape,
    ...(info.kind ? { kind: info.kind } : {}),
    planes: { lengths: whole.lengths, deflated: whole.deflated, layout: whole.layout ?? 'bytes', ...(whole.context ? { context: whole.context } : {}) },
    version: whole.context ? WHOLE_FORMAT_VERSION : 1,
  };
}

/**
 * The byte-plane layout of a stored whole tensor from its HDF5 attributes (`json(name)`: the parsed
 * JSON of that attribute, `text(name)`: its plain value; both undefined when it is absent). Reads every layout packs have had: the
 * `object` attribute (versioned), before it a `planes` attribute, and three separate ones before
 * that; refuses a version this code does not know.
 */
export function readWholePlanes(json: (name: string) => unknown, text: (name: string) => string | undefined, where: string): Omit<PackedPlanes, 'bytes'> {
  const object = json('object') as ObjectAttribute | undefined;
  let planes: PlanesAttribute | undefined;
  if (object !== undefined) {
    const version = object.version ?? 1;
    if (!READABLE_VERSIONS.includes(version)) {
      throw new ReefError('BAD_FILE', `${where}: whole-tensor format version ${JSON.stringify(version)} is not one this reef reads (it reads versions ${READABLE_VERSIONS.join(', ')}); upgrade @reef/store`);
    }
    planes = object.planes;
  } else {
    planes = (json('planes') as PlanesAttribute | undefined) ?? {
      lengths: json('plane_lengths') as number[],
      deflated: json('plane_deflated') as boolean[],
      layout: text('bit_layout') ?? 'bytes',
    };
  }
  if (!planes || !Array.isArray(planes.lengths) || !Array.isArray(planes.deflated)) throw new ReefError('BAD_FILE', `${where} has no byte-plane layout`);
  if (planes.context !== undefined && !Array.isArray(planes.context)) throw new ReefError('BAD_FILE', `${where}: its context-coded plane list is not a list`);
  return { lengths: planes.lengths, deflated: planes.deflated, layout: planes.layout as PackedPlanes['layout'], ...(planes.context ? { context: planes.context } : {}) };
}
