import { ReefError } from '@reef/core/errors';
import type { Attributes, JsonValue, NamedArray, NumericArray, PortableData, SavedModel } from '@reef/core';
import { renameSync, rmSync } from 'node:fs';
import { messageOf } from './guard.js';
import { h5wasm, openH5, type H5Group } from './h5.js';
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
    if (!(ds instanceof h5wasm.Dataset)) continue;
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

/**
 * Saves a trained model as an HDF5 file: root attributes name the plugin, API version and
 * parameters; arrays sit in /model. Written to a temporary file then renamed, so a crash never
 * leaves a half-written model under the final name.
 */
export async function saveModelFile(path: string, model: SavedModel): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const file = await openH5(tmp, 'w');
  try {
    file.create_attribute('reef_format', 'reef-quantizer');
    file.create_attribute('plugin_id', model.pluginId);
    file.create_attribute('api_version', model.apiVersion);
    file.create_attribute('params_json', JSON.stringify(model.params));
    writePortable(file.create_group('model'), model);
  } catch (err) {
    file.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  file.close();
  renameSync(tmp, path);
}

/** Loads a model saved by `saveModelFile`; a file that is not one is refused by name. */
export async function loadModelFile(path: string): Promise<SavedModel> {
  const file = await openH5(path, 'r');
  try {
    const attr = (name: string): unknown => file.attrs[name]?.value;
    if (attr('reef_format') !== 'reef-quantizer') {
      throw new ReefError('BAD_MODEL', `${path} is not a Reef quantizer model (no reef_format attribute)`);
    }
    const group = file.get('model');
    if (!(group instanceof h5wasm.Group)) throw new ReefError('BAD_MODEL', `${path} has no /model group`);
    const portable = readPortable(group, path);
    const apiVersion = Number(attr('api_version'));
    return {
      pluginId: String(attr('plugin_id')),
      apiVersion,
      params: JSON.parse(String(attr('params_json'))) as SavedModel['params'],
      ...portable,
    };
  } finally {
    file.close();
  }
}
