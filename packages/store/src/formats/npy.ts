import { DTYPE_BYTES, ReefError, elementCount } from '@reef/core';
import { NPY_DTYPES, TO_NPY } from '../dtypes.js';
import type { NamedTensor, ParsedFile } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Reads one key of numpy's header dict (a Python literal, not JSON). */
function headerField(header: string, key: string, where: string): string {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  if (!m) throw new ReefError('BAD_FILE', `${where}: npy header has no '${key}': ${header.trim()}`);
  return m[1];
}

/**
 * Parses a .npy file (format versions 1-3): magic, version, header length, a Python dict literal
 * with descr, fortran_order and shape, then the raw data. Big-endian data and Fortran order with
 * more than one dimension are refused rather than silently reinterpreted.
 */
export function parseNpy(bytes: Uint8Array, where: string, name = ''): ParsedFile {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new ReefError('BAD_FILE', `${where}: not a .npy file (missing \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new ReefError('BAD_FILE', `${where}: unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new ReefError('BAD_FILE', `${where}: .npy file truncated in its header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > bytes.length) throw new ReefError('BAD_FILE', `${where}: .npy header claims ${headerLen} bytes but the file ends at ${bytes.length} (truncated)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, dataStart));
  const descr = headerField(header, 'descr', where).slice(1, -1);
  const dtype = NPY_DTYPES[descr];
  if (!dtype) {
    const hint = descr.startsWith('>') ? ' (big-endian data is not supported; save with a little-endian dtype)' : '';
    throw new ReefError('BAD_FILE', `${where}: unknown or unsupported npy dtype '${descr}'${hint}`);
  }
  const shapeText = headerField(header, 'shape', where);
  const shape = shapeText.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new ReefError('BAD_FILE', `${where}: invalid npy shape ${shapeText}`);
  if (headerField(header, 'fortran_order', where) === 'True' && shape.filter((s) => s > 1).length > 1) {
    throw new ReefError('BAD_FILE', `${where}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  }
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    throw new ReefError('BAD_FILE', `${where}: ${descr} array of shape (${shape.join(', ')}) needs ${expected} data bytes, the file has ${actual}${actual < expected ? ' (truncated)' : ''}`);
  }
  const tensors: NamedTensor[] = [{ name, tensor: { dtype, shape, data: bytes.subarray(dataStart) } }];
  return { format: 'npy', tensors, segments: [{ literal: bytes.subarray(0, dataStart) }, { tensor: 0 }] };
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
