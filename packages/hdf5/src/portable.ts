import { ReefError } from '@reef/core/errors';
import type { Attributes, JsonValue, NamedArray, NumericArray, PortableData, SavedModel } from '@reef/core';
import { messageOf } from './guard.js';
import type { H5Group } from './h5.js';
import { h5lib } from './lib.js';
import { createDatasetAt, createStringAttributeAt } from './writes.js';

/** Attribute holding the exact JSON of a portable object's attributes (HDF5 attributes cannot nest). */
const ATTRS_JSON = 'reef_attributes_json';

const ARRAY_TYPES: Record<string, new (buffer: ArrayBufferLike, offset: number, length: number) => NumericArray> = {
  Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, BigInt64Array, BigUint64Array,
};

/**
 * Writes named arrays as datasets of `group` and attributes both as one exact JSON attribute (read
 * back by Reef) and as plain scalar attributes (for h5dump / h5py readers). `plainAttributes: false`
 * skips the plain copies: each HDF5 attribute costs ~0.2 ms in h5wasm, which adds up for stores
 * writing many small objects that carry their own descriptive attributes.
 */
export function writePortable(group: H5Group, data: PortableData, options: { plainAttributes?: boolean } = {}): void {
  // Path-addressed writes (writes.ts): the same HDF5 calls without h5wasm's lookup after each.
  for (const [name, arr] of Object.entries(data.arrays)) createDatasetAt(group, name, arr.data, arr.shape);
  createStringAttributeAt(group, ATTRS_JSON, JSON.stringify(data.attributes), false);
  if (options.plainAttributes === false) return;
  for (const [key, value] of Object.entries(data.attributes)) {
    if (typeof value === 'number' || typeof value === 'string') group.create_attribute(key, value);
  }
}

/** Reads back what `writePortable` wrote. */
export function readPortable(group: H5Group, where: string): PortableData {
  const arrays: Record<string, NamedArray> = {};
  for (const name of group.keys()) {
    const ds = group.get(name);
    if (!(ds instanceof h5lib().Dataset)) continue;
    let value: unknown;
    try {
      value = ds.value;
    } catch (err) {
      throw new ReefError('BAD_FILE', `${where}: cannot read array '${name}': ${messageOf(err)}`, { cause: err });
    }
    const ctorName = (value as object)?.constructor?.name;
    const ctor = ctorName ? ARRAY_TYPES[ctorName] : undefined;
    if (!ctor) throw new ReefError('BAD_FILE', `${where}: array '${name}' has unsupported element type ${JSON.stringify(ds.dtype)}`);
    const typed = value as NumericArray;
    // Copy out of the wasm heap view so the data outlives the file handle.
    arrays[name] = { data: typed.slice() as NumericArray, shape: ds.shape ?? [typed.length] };
  }
  const attrs = group.attrs[ATTRS_JSON];
  let attributes: Attributes = {};
  if (attrs) {
    try {
      attributes = JSON.parse(String(attrs.value)) as Record<string, JsonValue>;
    } catch (err) {
      throw new ReefError('BAD_FILE', `${where}: attribute ${ATTRS_JSON} is not valid JSON`, { cause: err });
    }
  }
  return { arrays, attributes };
}

/** Writes a model's root attributes and /model group into an open file (Node and browsers alike). */
export function writeModel(file: H5Group, model: SavedModel): void {
  file.create_attribute('reef_format', 'reef-quantizer');
  file.create_attribute('plugin_id', model.pluginId);
  file.create_attribute('api_version', model.apiVersion);
  file.create_attribute('params_json', JSON.stringify(model.params));
  writePortable(file.create_group('model'), model);
}

/** Reads what `writeModel` wrote; a file that is not a Reef model is refused, named by `where`. */
export function readModel(file: H5Group, where: string): SavedModel {
  const attr = (name: string): unknown => file.attrs[name]?.value;
  if (attr('reef_format') !== 'reef-quantizer') {
    throw new ReefError('BAD_MODEL', `${where} is not a Reef quantizer model (no reef_format attribute)`);
  }
  const group = file.get('model');
  if (!(group instanceof h5lib().Group)) throw new ReefError('BAD_MODEL', `${where} has no /model group`);
  const portable = readPortable(group, where);
  return {
    pluginId: String(attr('plugin_id')),
    apiVersion: Number(attr('api_version')),
    params: JSON.parse(String(attr('params_json'))) as SavedModel['params'],
    ...portable,
  };
}
