import { ReefError } from '@reef/core/errors';
import type { Attributes, NamedArray, NumericArray } from '@reef/core';
import { readWholePlanes, wholeObjectAttribute, type EncodedObject, type ObjectInfo, type PlanesAttribute } from './object-format.js';

/**
 * Small objects kept in their pack's manifest (format 2, pack-manifest.ts) instead of its HDF5 file.
 * An object in HDF5 costs ~0.9 kB of headers (object header, link, attribute) whatever its size:
 * measured on the public series (bench/store/series.mjs), a bf16 cast commit's 12 `cast` payloads
 * of 779 B made an 11.5 kB HDF5 file, and the 10 small whole tensors of each f32 epoch ~9 kB.
 * Inline, an object costs its bytes in base64 (4/3) plus a few dozen bytes of JSON.
 */

/** Objects whose stored bytes (packed planes, or payload arrays) are at most this go inline. */
export const INLINE_MAX_BYTES = 1024;

/** An array of a payload: its element type (a typed array's name), shape, and bytes (little-endian, base64). */
export interface InlineArray {
  readonly type: string;
  readonly shape: number[];
  readonly bytes: string;
}

/**
 * An object as its manifest entry's `inline` holds it. A whole tensor: `planes` (and `version`),
 * as the HDF5 `object` attribute would say, and `bytes`, its packed planes. A delta: its payload's
 * `attributes`, and `arrays` when it has any.
 */
export interface InlineObject {
  readonly planes?: PlanesAttribute;
  readonly version?: number;
  readonly bytes?: string;
  readonly attributes?: Attributes;
  readonly arrays?: Record<string, InlineArray>;
}

const ARRAY_TYPES: Record<string, { new (buffer: ArrayBuffer, offset: number, length: number): NumericArray; readonly BYTES_PER_ELEMENT: number }> = {
  Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, BigInt64Array, BigUint64Array,
};
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromBase64(text: unknown, where: string): Uint8Array {
  if (typeof text !== 'string' || !BASE64.test(text)) throw new ReefError('REPOSITORY', `${where}: its inline bytes are not base64`);
  const buf = Buffer.from(text, 'base64');
  const out = new Uint8Array(buf.length); // own, aligned memory (a typed array view needs alignment)
  out.set(buf);
  return out;
}

/** The inline form of an object small enough, else undefined (it goes into the HDF5 file). */
export function inlineForm(o: EncodedObject): InlineObject | undefined {
  if (o.whole) {
    if (o.whole.bytes.length > INLINE_MAX_BYTES) return undefined;
    const { planes, version } = wholeObjectAttribute(o.info, o.whole);
    return { planes, ...(version !== undefined && version !== 1 ? { version } : {}), bytes: base64(o.whole.bytes) };
  }
  if (!o.payload) return undefined;
  const arrays = Object.entries(o.payload.arrays);
  if (arrays.reduce((n, [, a]) => n + a.data.byteLength, 0) > INLINE_MAX_BYTES) return undefined;
  if (arrays.some(([, a]) => !(a.data.constructor.name in ARRAY_TYPES))) return undefined;
  const inlineArrays = Object.fromEntries(arrays.map(([name, a]) => [name, { type: a.data.constructor.name, shape: [...a.shape], bytes: base64(a.data) }]));
  return { attributes: o.payload.attributes, ...(arrays.length ? { arrays: inlineArrays } : {}) };
}

/** The object an inline entry holds, checked as far as its form allows (decoding checks the rest against the hash). */
export function fromInline(info: ObjectInfo, inline: InlineObject, where: string): EncodedObject {
  if (info.encoding === 'whole') {
    const object = { planes: inline.planes, version: inline.version };
    const planes = readWholePlanes((name) => (name === 'object' ? object : undefined), () => undefined, where);
    const bytes = fromBase64(inline.bytes, where);
    const stored = planes.lengths.reduce((a, b) => a + b, 0);
    if (stored !== bytes.length) throw new ReefError('REPOSITORY', `${where}: its planes list ${stored} bytes, its inline bytes are ${bytes.length}`);
    return { info, whole: { bytes, ...planes } };
  }
  if (!inline.attributes || typeof inline.attributes !== 'object') throw new ReefError('REPOSITORY', `${where}: an inline delta without payload attributes`);
  const arrays: Record<string, NamedArray> = {};
  for (const [name, a] of Object.entries(inline.arrays ?? {})) {
    const ctor = ARRAY_TYPES[a?.type];
    if (!ctor || !Array.isArray(a.shape)) throw new ReefError('REPOSITORY', `${where}: inline array '${name}' has an unknown element type or no shape`);
    const bytes = fromBase64(a.bytes, `${where}, array '${name}'`);
    const length = bytes.length / ctor.BYTES_PER_ELEMENT;
    if (!Number.isInteger(length) || a.shape.reduce((p, s) => p * s, 1) !== length) throw new ReefError('REPOSITORY', `${where}: inline array '${name}' holds ${bytes.length} bytes, not its shape ${JSON.stringify(a.shape)}`);
    arrays[name] = { data: new ctor(bytes.buffer as ArrayBuffer, 0, length), shape: a.shape };
  }
  return { info, payload: { arrays, attributes: inline.attributes } };
}
