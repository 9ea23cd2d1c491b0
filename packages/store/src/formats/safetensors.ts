import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import { ReefError } from '@reef/core/errors';
import type { DType } from '@reef/core';
import { SAFETENSORS_DTYPES, TO_SAFETENSORS } from '../dtypes.js';
import { memorySource, type ByteSource } from './source.js';
import { loadAll, type NamedTensor, type ParsedFile, type ScannedFile, type Segment, type TensorEntry } from './types.js';

/** Headers above this are refused before parsing: a corrupt length must not allocate gigabytes. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

/**
 * Scans a safetensors file: u64 little-endian header length, JSON header, then the tensor bytes.
 * Every claim of the header is checked against the file size (dtype, shape, offsets in range,
 * tensors contiguous and non-overlapping, byte counts matching shapes), so a lying header is an
 * error before any tensor is read; tensors are then read one by one, by byte range.
 */
export function scanSafetensors(src: ByteSource, where: string): ScannedFile {
  if (src.size < 8) throw new ReefError('BAD_FILE', `${where}: ${src.size} bytes is too short for a safetensors file (needs an 8-byte header length)`);
  const lengthBytes = src.read(0, 8);
  const headerLen = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, src.size - 8))) {
    throw new ReefError('BAD_FILE', `${where}: header length ${headerLen} exceeds the file (${src.size} bytes); truncated or not safetensors`);
  }
  const n = Number(headerLen);
  const head = src.read(0, 8 + n);
  let header: Record<string, HeaderEntry>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8))) as Record<string, HeaderEntry>;
  } catch (err) {
    // JSON.parse quotes the header around the fault: untrusted bytes, escaped to stay on one line.
    const why = JSON.stringify((err as Error).message).slice(1, -1);
    throw new ReefError('BAD_FILE', `${where}: safetensors header is not valid UTF-8 JSON: ${why}`, { cause: err });
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new ReefError('BAD_FILE', `${where}: safetensors header is not a JSON object`);
  const dataStart = 8 + n;
  const dataLen = src.size - dataStart;
  const entries: { begin: number; end: number; entry: TensorEntry }[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!e || typeof e !== 'object') throw new ReefError('BAD_FILE', `${where}: header entry '${name}' is not an object`);
    const dtype = typeof e.dtype === 'string' ? SAFETENSORS_DTYPES[e.dtype] : undefined;
    if (!dtype) throw new ReefError('BAD_FILE', `${where}: tensor '${name}' has unknown dtype ${JSON.stringify(e.dtype)}; known: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || (s as number) < 0)) {
      throw new ReefError('BAD_FILE', `${where}: tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw new ReefError('BAD_FILE', `${where}: tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape as number[]) * DTYPE_BYTES[dtype];
    if (end < begin || end - begin !== expected) {
      throw new ReefError('BAD_FILE', `${where}: tensor '${name}' (${e.dtype} [${shape.join(', ')}]) needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    if (end > dataLen) {
      throw new ReefError('BAD_FILE', `${where}: tensor '${name}' data_offsets end at ${end} but the file holds only ${dataLen} data bytes (truncated, or the header lies)`);
    }
    const entry: TensorEntry = { name, dtype, shape: shape as number[], byteLength: end - begin, load: () => src.read(dataStart + begin, end - begin) };
    entries.push({ begin, end, entry });
  }
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of ordered) {
    if (e.begin !== cursor) {
      throw new ReefError('BAD_FILE', `${where}: tensor '${e.entry.name}' starts at ${e.begin}, expected ${cursor}: tensors overlap or leave a gap (the header lies about offsets)`);
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) throw new ReefError('BAD_FILE', `${where}: ${dataLen - cursor} bytes after the last tensor are not described by the header`);
  const segments: Segment[] = [{ literal: head }, ...ordered.map((_, i) => ({ tensor: i }))];
  return { format: 'safetensors', entries: ordered.map((e) => e.entry), segments };
}

/** Parses a safetensors file in memory (tensors are views into `bytes`). */
export function parseSafetensors(bytes: Uint8Array, where: string): ParsedFile {
  return loadAll(scanSafetensors(memorySource(bytes), where));
}

/** The header bytes (length prefix included) of a safetensors file holding these tensors in order. */
export function safetensorsHeader(tensors: readonly { name: string; dtype: DType; shape: readonly number[]; byteLength: number }[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const { name, dtype, shape, byteLength } of tensors) {
    header[name] = { dtype: TO_SAFETENSORS[dtype], shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // padded to 8 bytes, as the reference writer does
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  return out;
}

/** Writes tensors as a fresh safetensors file. */
export function writeSafetensors(tensors: readonly NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const head = safetensorsHeader(tensors.map(({ name, tensor }) => ({ name, dtype: tensor.dtype, shape: tensor.shape, byteLength: tensor.data.length })), metadata);
  const out = new Uint8Array(head.length + tensors.reduce((n, t) => n + t.tensor.data.length, 0));
  out.set(head, 0);
  let at = head.length;
  for (const { tensor } of tensors) {
    out.set(tensor.data, at);
    at += tensor.data.length;
  }
  return out;
}
