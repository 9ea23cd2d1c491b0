import { ReefError } from '@reef/core/errors';
import { assertWithinBudget } from './bounds.js';

/** The TEXMEX formats (used by SIFT1M, GIST1M): each record is an int32 dimension then the values. */
export type VecsKind = 'fvecs' | 'bvecs' | 'ivecs';

const ELEMENT_BYTES: Record<VecsKind, number> = { fvecs: 4, bvecs: 1, ivecs: 4 };

export function vecsKindOf(path: string): VecsKind | undefined {
  const m = /\.(fvecs|bvecs|ivecs)$/i.exec(path);
  return m ? (m[1].toLowerCase() as VecsKind) : undefined;
}

/**
 * Parses .fvecs/.bvecs/.ivecs bytes into rows of equal dimension; ivecs values come back as ints.
 * Without a `budget` the output is bounded by the bytes given (at most 4 bytes out per byte in).
 */
export function parseVecs(bytes: Uint8Array, kind: VecsKind, path: string = kind, budget?: number): { data: Float32Array | Int32Array; count: number; dim: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new ReefError('BAD_FILE', `${path} is empty or truncated: no ${kind} record header`);
  const dim = view.getInt32(0, true);
  if (dim <= 0 || dim > 1 << 20) throw new ReefError('BAD_FILE', `${path}: first ${kind} record declares dimension ${dim}; not a ${kind} file?`);
  const recordBytes = 4 + dim * ELEMENT_BYTES[kind];
  if (bytes.length % recordBytes !== 0) {
    throw new ReefError('BAD_FILE', `${path}: ${bytes.length} bytes is not a whole number of ${recordBytes}-byte ${kind} records of dimension ${dim} (truncated?)`);
  }
  const count = bytes.length / recordBytes;
  if (budget !== undefined) assertWithinBudget(count * dim * 4, path, `${count} ${kind} records of dimension ${dim}`, budget);
  const data = kind === 'ivecs' ? new Int32Array(count * dim) : new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    const at = r * recordBytes;
    const d = view.getInt32(at, true);
    if (d !== dim) throw new ReefError('BAD_FILE', `${path}: record ${r} has dimension ${d}, the first had ${dim}`);
    const o = r * dim;
    for (let j = 0; j < dim; j++) {
      if (kind === 'fvecs') data[o + j] = view.getFloat32(at + 4 + 4 * j, true);
      else if (kind === 'ivecs') data[o + j] = view.getInt32(at + 4 + 4 * j, true);
      else data[o + j] = bytes[at + 4 + j];
    }
  }
  return { data, count, dim };
}

/** Serialises rows as .ivecs (used for cached ground truth) or .fvecs. */
export function encodeVecs(data: Int32Array | Float32Array, dim: number): Uint8Array {
  const count = data.length / dim;
  const out = new Uint8Array(count * (4 + 4 * dim));
  const view = new DataView(out.buffer);
  for (let r = 0; r < count; r++) {
    const at = r * (4 + 4 * dim);
    view.setInt32(at, dim, true);
    for (let j = 0; j < dim; j++) {
      if (data instanceof Int32Array) view.setInt32(at + 4 + 4 * j, data[r * dim + j], true);
      else view.setFloat32(at + 4 + 4 * j, data[r * dim + j], true);
    }
  }
  return out;
}
