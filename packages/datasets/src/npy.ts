import { ReefError, type Vectors } from '@reef/core';
import { assertWithinBudget } from './bounds.js';

type Reader = (view: DataView, offset: number, little: boolean) => number;

const READERS: Record<string, { bytes: number; read: Reader }> = {
  f4: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o) },
  i1: { bytes: 1, read: (v, o) => v.getInt8(o) },
  u2: { bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  i2: { bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  u4: { bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
  i4: { bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  i8: { bytes: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u8: { bytes: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

/**
 * Parses a NumPy .npy file holding a 2-D numeric array (C or Fortran order) into float32 rows.
 * Without a `budget` the output is bounded by the bytes given (at most 4 bytes out per byte in).
 */
export function parseNpy(bytes: Uint8Array, path = 'npy', budget?: number): Vectors {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new ReefError('BAD_FILE', `${path} is not a .npy file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLen > bytes.length) throw new ReefError('BAD_FILE', `${path}: .npy header runs past the end of the file (truncated?)`);
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw new ReefError('BAD_FILE', `${path}: cannot parse .npy header ${JSON.stringify(header.trim())}`);
  const reader = READERS[descr[2]];
  if (!reader) throw new ReefError('BAD_FILE', `${path}: unsupported .npy dtype '${descr[1]}${descr[2]}'; numeric dtypes only`);
  const shape = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.length !== 2) throw new ReefError('BAD_FILE', `${path}: expected a 2-D array (vectors × dimension), got shape (${shape.join(', ')})`);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new ReefError('BAD_FILE', `${path}: invalid .npy shape ${JSON.stringify(shapeMatch[0])}`);
  const [count, dim] = shape;
  const dataStart = headerStart + headerLen;
  const need = count * dim * reader.bytes;
  if (bytes.length - dataStart < need) {
    throw new ReefError('BAD_FILE', `${path}: shape (${count}, ${dim}) needs ${need} data bytes, file has ${bytes.length - dataStart} (truncated?)`);
  }
  if (budget !== undefined) assertWithinBudget(count * dim * 4, path, `shape (${count}, ${dim}) as float32`, budget);
  const little = descr[1] !== '>';
  const out = new Float32Array(count * dim);
  const isFortran = fortran[1] === 'True';
  for (let i = 0; i < count * dim; i++) {
    // Fortran order stores column after column: element (r, c) sits at c*count + r.
    const dest = isFortran ? (i % count) * dim + Math.floor(i / count) : i;
    out[dest] = reader.read(view, dataStart + i * reader.bytes, little);
  }
  return { data: out, count, dim };
}
