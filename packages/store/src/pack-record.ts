import type { NumericArray, PortableData } from '@reef/core';
import type { StoredCodebook } from './codebooks.js';
import { CENTROID_KIND, wholeObjectAttribute, type EncodedObject, type ObjectAttribute } from './object-format.js';

/**
 * What a pack's HDF5 file receives for one object or codebook, as plain data: the store decides
 * names, groups and attributes here (its format), and the writer (pack-file.ts) only puts them into
 * the file. Plain data can cross to the thread that writes the file (pack-file-thread.ts).
 */
export type PackRecord =
  /** A whole tensor: its packed byte planes as one u8 dataset `/<group>/<hash>`, `object` its JSON attribute. */
  | { readonly kind: 'whole'; readonly hash: string; readonly group: 'weights' | 'centroids'; readonly bytes: Uint8Array; readonly object: string }
  /** A delta: the group `/deltas/<hash>` of payload arrays, `object` its JSON attribute. */
  | { readonly kind: 'delta'; readonly hash: string; readonly payload: PortableData; readonly object: string }
  /** A shared codebook (codebooks.ts). */
  | { readonly kind: 'codebook'; readonly book: StoredCodebook };

/**
 * The record of an encoded object. Its dtype, shape, plane layout or delta type and reference go
 * into one JSON attribute `object` (its content hash is its name): each HDF5 attribute costs a path
 * lookup and a header write in h5wasm (0.05–0.17 ms measured), and packs used to carry five or six
 * per object.
 */
export function objectRecord(o: EncodedObject): PackRecord {
  const { info } = o;
  if (o.whole) {
    // Centroids are no user tensors: kept apart so /weights holds only what files contain.
    const group = info.kind === CENTROID_KIND ? 'centroids' : 'weights';
    return { kind: 'whole', hash: info.hash, group, bytes: o.whole.bytes, object: JSON.stringify(wholeObjectAttribute(info, o.whole)) };
  }
  if (o.payload) {
    const attribute: ObjectAttribute = { dtype: info.dtype, shape: info.shape, ...(info.kind ? { kind: info.kind } : {}) };
    const deltaType = String(o.payload.attributes.delta_type ?? info.encoding);
    return { kind: 'delta', hash: info.hash, payload: o.payload, object: JSON.stringify({ ...attribute, delta_type: deltaType, reference: info.reference ?? '' }) };
  }
  throw new Error(`object ${info.hash} has neither whole data nor a delta payload`);
}

/**
 * A copy of `record` whose arrays own their memory, and those memories, to be transferred to
 * another thread. The arrays of an encoded object are often views of larger scratch buffers
 * (@reef/codecs) that are reused once the object is written: posting a view would copy its whole
 * buffer, and transferring it would take the buffer from its pool.
 */
export function transferableRecord(record: PackRecord): { record: PackRecord; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const own = <T extends NumericArray>(a: T): T => {
    const copy = a.slice() as T;
    transfer.push(copy.buffer as ArrayBuffer);
    return copy;
  };
  const portable = (p: PortableData): PortableData => ({
    attributes: p.attributes,
    arrays: Object.fromEntries(Object.entries(p.arrays).map(([name, a]) => [name, { data: own(a.data), shape: a.shape }])),
  });
  switch (record.kind) {
    case 'whole':
      return { record: { ...record, bytes: own(record.bytes) }, transfer };
    case 'delta':
      return { record: { ...record, payload: portable(record.payload) }, transfer };
    case 'codebook':
      return { record: { kind: 'codebook', book: { info: record.book.info, data: portable(record.book.data) } }, transfer };
  }
}
