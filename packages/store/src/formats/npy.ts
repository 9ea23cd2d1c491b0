import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import { ReefError } from '@reef/core/errors';
import type { DType } from '@reef/core';
import { NPY_DTYPES, TO_NPY } from '../dtypes.js';
import { printable } from '../printable.js';
import { memorySource, type ByteSource } from './source.js';
import { loadAll, type NamedTensor, type ParsedFile, type ScannedFile, type TensorEntry } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Reads one key of numpy's header dict (a Python literal, not JSON). */
function headerField(header: string, key: string, where: string): string {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  if (!m) throw new ReefError('BAD_FILE', `${where}: npy header has no '${key}': ${printable(header.trim(), 200)}`); // escaped: header bytes are untrusted
  return m[1];
}

export interface NpyHeader {
  readonly dtype: DType;
  readonly shape: number[];
  /** Offset of the array data from the start of the .npy bytes. */
  readonly dataStart: number;
}

/**
 * Reads and checks a .npy header (format versions 1-3): magic, version, header length, a Python
 * dict literal with descr, fortran_order and shape; the data must fill the rest of the `size` bytes
 * at `base` exactly. Big-endian data and Fortran order with more than one dimension are refused
 * rather than silently reinterpreted.
 */
export function readNpyHeader(src: ByteSource, where: string, base = 0, size = src.size - base): NpyHeader {
  const start = src.read(base, Math.min(size, 12));
  if (size < 10 || !MAGIC.every((b, i) => start[i] === b)) throw new ReefError('BAD_FILE', `${where}: not a .npy file (missing \\x93NUMPY magic)`);
  const major = start[6];
  if (major < 1 || major > 3) throw new ReefError('BAD_FILE', `${where}: unsupported .npy format version ${major}.${start[7]}`);
  const view = new DataView(start.buffer, start.byteOffset, start.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (size < 8 + lenBytes) throw new ReefError('BAD_FILE', `${where}: .npy file truncated in its header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > size) throw new ReefError('BAD_FILE', `${where}: .npy header claims ${headerLen} bytes but the file ends at ${size} (truncated)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(src.read(base + 8 + lenBytes, headerLen));
  const descr = headerField(header, 'descr', where).slice(1, -1);
  const dtype = NPY_DTYPES[descr];
  if (!dtype) {
    const hint = descr.startsWith('>') ? ' (big-endian data is not supported; save with a little-endian dtype)' : '';
    throw new ReefError('BAD_FILE', `${where}: unknown or unsupported npy dtype '${printable(descr, 200)}'${hint}`);
  }
  const shapeText = headerField(header, 'shape', where);
  const shape = shapeText.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new ReefError('BAD_FILE', `${where}: invalid npy shape ${printable(shapeText, 200)}`);
  if (headerField(header, 'fortran_order', where) === 'True' && shape.filter((s) => s > 1).length > 1) {
    throw new ReefError('BAD_FILE', `${where}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  }
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  const actual = size - dataStart;
  if (actual !== expected) {
    throw new ReefError('BAD_FILE', `${where}: ${descr} array of shape (${shape.join(', ')}) needs ${expected} data bytes, the file has ${actual}${actual < expected ? ' (truncated)' : ''}`);
  }
  return { dtype, shape, dataStart };
}

/** Scans a .npy file: the header checked now, the array read when loaded. */
export function scanNpy(src: ByteSource, where: string, name = ''): ScannedFile {
  const { dtype, shape, dataStart } = readNpyHeader(src, where);
  const byteLength = src.size - dataStart;
  const entries: TensorEntry[] = [{ name, dtype, shape, byteLength, load: () => src.read(dataStart, byteLength) }];
  return { format: 'npy', entries, segments: [{ literal: src.read(0, dataStart) }, { tensor: 0 }] };
}

/** Parses a .npy file in memory (the tensor is a view into `bytes`). */
export function parseNpy(bytes: Uint8Array, where: string, name = ''): ParsedFile {
  return loadAll(scanNpy(memorySource(bytes), where, name));
}

/** Writes a version 1.0 .npy file (header padded to 64 bytes, as numpy does). */
export function writeNpy(t: NamedTensor['tensor']): Uint8Array {
  const descr = TO_NPY[t.dtype];
  if (!descr) throw new ReefError('UNSUPPORTED', `numpy has no ${t.dtype} dtype; export this tensor as safetensors`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(t.data, 10 + header.length);
  return out;
}
