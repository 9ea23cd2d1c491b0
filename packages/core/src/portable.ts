import { ReefError } from './errors.js';

/**
 * The portable form of trained models and delta payloads: named typed arrays plus JSON attributes.
 * It maps one-to-one onto an HDF5 group (datasets + attributes), so anything a plugin saves can be
 * written by @reef/hdf5 and read back in a fresh process.
 */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NamedArray {
  readonly data: NumericArray;
  /** Row-major shape; its product equals `data.length`. */
  readonly shape: readonly number[];
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type Attributes = Record<string, JsonValue>;

export interface PortableData {
  readonly arrays: Record<string, NamedArray>;
  readonly attributes: Attributes;
}

/** Shorthand for a named array; the shape defaults to one dimension. */
export function named(data: NumericArray, shape: readonly number[] = [data.length]): NamedArray {
  let n = 1;
  for (const s of shape) n *= s;
  if (n !== data.length) {
    throw new ReefError('BAD_MODEL', `array of length ${data.length} does not fit shape [${shape.join(', ')}]`);
  }
  return { data, shape: [...shape] };
}

type ArrayCtor<T extends NumericArray> = { new (n: number): T; readonly name: string };

/**
 * Reads a required array from saved data, checking its element type and (optionally) length, so a
 * corrupt or foreign model fails with a message naming the array rather than decoding garbage.
 */
export function requireArray<T extends NumericArray>(
  saved: PortableData,
  name: string,
  ctor: ArrayCtor<T>,
  length?: number,
): T {
  const entry = saved.arrays[name];
  if (!entry) throw new ReefError('BAD_MODEL', `saved model has no array '${name}'`);
  if (!(entry.data instanceof (ctor as unknown as new () => T))) {
    throw new ReefError(
      'BAD_MODEL',
      `saved array '${name}' should be ${ctor.name}, got ${(entry.data as object).constructor?.name}`,
    );
  }
  if (length !== undefined && entry.data.length !== length) {
    throw new ReefError('BAD_MODEL', `saved array '${name}' should have ${length} elements, got ${entry.data.length}`);
  }
  return entry.data as T;
}

/** Reads a required numeric attribute (integer if asked) from saved data. */
export function requireNumber(saved: PortableData, name: string, integer = false): number {
  const v = saved.attributes[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new ReefError('BAD_MODEL', `saved attribute '${name}' should be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`);
  }
  return v;
}
