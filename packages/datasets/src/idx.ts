import { ReefError, type Vectors } from '@reef/core';
import { maybeGunzip, readBytes } from './binary.js';
import { assertWithinBudget } from './bounds.js';
import { defaultMemoryBudget } from './memory.js';

/** IDX element types (the MNIST/Fashion-MNIST format), all big-endian. */
const IDX_TYPES: Record<number, { bytes: number; read: (v: DataView, o: number) => number }> = {
  0x08: { bytes: 1, read: (v, o) => v.getUint8(o) },
  0x09: { bytes: 1, read: (v, o) => v.getInt8(o) },
  0x0b: { bytes: 2, read: (v, o) => v.getInt16(o, false) },
  0x0c: { bytes: 4, read: (v, o) => v.getInt32(o, false) },
  0x0d: { bytes: 4, read: (v, o) => v.getFloat32(o, false) },
  0x0e: { bytes: 8, read: (v, o) => v.getFloat64(o, false) },
};

/**
 * Parses an IDX file (gzip-compressed or plain). The first dimension counts vectors; the others
 * are flattened (28×28 images become 784-dimensional vectors).
 */
export function parseIdx(raw: Uint8Array, path = 'idx'): Vectors {
  const bytes = maybeGunzip(raw, path);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new ReefError('BAD_FILE', `${path} is not an IDX file (bad magic)`);
  const type = IDX_TYPES[bytes[2]];
  if (!type) throw new ReefError('BAD_FILE', `${path}: unknown IDX element type 0x${bytes[2].toString(16)}`);
  const ndims = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ndims < 1 || bytes.length < 4 + 4 * ndims) throw new ReefError('BAD_FILE', `${path}: IDX header truncated`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims[0];
  const dim = dims.slice(1).reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndims;
  const need = count * dim * type.bytes;
  if (bytes.length - start < need) {
    throw new ReefError('BAD_FILE', `${path}: IDX shape [${dims.join(', ')}] needs ${need} data bytes, file has ${bytes.length - start} (truncated?)`);
  }
  if (count > 0 && dim === 0) throw new ReefError('BAD_FILE', `${path}: IDX shape [${dims.join(', ')}] has vectors of dimension 0`);
  assertWithinBudget(count * dim * 4, path, `IDX shape [${dims.join(', ')}] as float32`, defaultMemoryBudget());
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = type.read(view, start + i * type.bytes);
  return { data: out, count, dim };
}

export function readIdx(path: string): Vectors {
  return parseIdx(readBytes(path), path);
}
