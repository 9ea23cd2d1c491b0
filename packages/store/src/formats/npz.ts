import { ReefError } from '@reef/core/errors';
import { totalmem } from 'node:os';
import { constants as zlibConstants, crc32, inflateRawSync } from 'node:zlib';
import { printable } from '../printable.js';
import { unsafeMemberReason } from '../safe-path.js';
import { readNpyHeader, writeNpy } from './npy.js';
import { memorySource, type ByteSource } from './source.js';
import { loadAll, type NamedTensor, type ParsedFile, type ScannedFile, type Segment, type TensorEntry } from './types.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Member {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function fail(where: string, what: string): never {
  throw new ReefError('BAD_FILE', printable(`${where}: ${what}`, Infinity)); // member names are untrusted bytes
}

/** Reads the zip64 extra field values that the 32-bit fields mark as 0xFFFFFFFF. */
function zip64Values(view: DataView, extraStart: number, extraLen: number, wanted: number): number[] {
  for (let at = extraStart; at + 4 <= extraStart + extraLen; ) {
    const id = view.getUint16(at, true);
    const len = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      const out: number[] = [];
      for (let k = 0; k < wanted && 8 * (k + 1) <= len; k++) out.push(Number(view.getBigUint64(at + 4 + 8 * k, true)));
      return out;
    }
    at += 4 + len;
  }
  return [];
}

/** Finds the end-of-central-directory record in the file's tail (zip64 aware). */
function centralDirectory(src: ByteSource, where: string): { offset: number; count: number; end: number } {
  const tailStart = Math.max(0, src.size - 22 - 0xffff);
  const tail = src.read(tailStart, src.size - tailStart);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let at = tail.length - 22; at >= 0; at--) {
    if (view.getUint32(at, true) !== EOCD) continue;
    let count = view.getUint16(at + 10, true);
    let offset = view.getUint32(at + 16, true);
    if ((count === 0xffff || offset === 0xffffffff) && at >= 20 && view.getUint32(at - 20, true) === ZIP64_LOCATOR) {
      const z = Number(view.getBigUint64(at - 12, true));
      if (z + 56 > src.size) fail(where, 'zip64 end record is missing or corrupt');
      const record = src.read(z, 56);
      const rv = new DataView(record.buffer, record.byteOffset, 56);
      if (rv.getUint32(0, true) !== ZIP64_EOCD) fail(where, 'zip64 end record is missing or corrupt');
      count = Number(rv.getBigUint64(32, true));
      offset = Number(rv.getBigUint64(48, true));
    }
    const end = tailStart + at;
    if (offset > end) fail(where, `central directory offset ${offset} is past the end of the file (truncated?)`);
    return { offset, count, end };
  }
  return fail(where, 'no zip end-of-central-directory record: not an .npz (zip) file, or truncated');
}

function readMembers(src: ByteSource, where: string): Member[] {
  const { offset, count, end } = centralDirectory(src, where);
  const bytes = src.read(offset, end - offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const members: Member[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) fail(where, `central directory entry ${k} is corrupt`);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen));
    let size = view.getUint32(at + 24, true);
    let compressedSize = view.getUint32(at + 20, true);
    let localOffset = view.getUint32(at + 42, true);
    const big = [size, compressedSize, localOffset].filter((v) => v === 0xffffffff).length;
    if (big > 0) {
      const vals = zip64Values(view, at + 46 + nameLen, extraLen, big);
      let i = 0;
      if (size === 0xffffffff) size = vals[i++];
      if (compressedSize === 0xffffffff) compressedSize = vals[i++];
      if (localOffset === 0xffffffff) localOffset = vals[i++];
      if (vals.length < big) fail(where, `member '${name}' lacks its zip64 sizes`);
    }
    members.push({ name, method: view.getUint16(at + 10, true), crc: view.getUint32(at + 16, true), compressedSize, size, localOffset });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

/**
 * Deflate cannot expand its input more than about 1032 times (a 258-byte match per bit or so), so a
 * member claiming more bytes than that lies: a zip bomb or a corrupt directory.
 */
const MAX_DEFLATE_RATIO = 1032;

/** Half the machine's memory: the most one inflated member may take. */
function memberBudget(): number {
  return Math.floor(totalmem() / 2);
}

/**
 * Checks a deflated member's declared size before anything is inflated: within what its compressed
 * bytes can produce and within the memory budget. The inflate itself is then capped at that size.
 */
function checkDeclaredSize(m: Member, where: string): void {
  if (m.size > m.compressedSize * MAX_DEFLATE_RATIO + 1024) {
    fail(where, `member '${m.name}' claims ${m.size} bytes from ${m.compressedSize} compressed bytes, more than deflate can produce (corrupt directory or zip bomb)`);
  }
  if (m.size > memberBudget()) fail(where, `member '${m.name}' inflates to ${m.size} bytes, above the memory budget of ${memberBudget()} bytes`);
}

/** Compressed bytes inflated to read a member's .npy header: a few KiB, whatever the member holds. */
const HEADER_PEEK_BYTES = 4096;

/**
 * The start of a deflated member, inflated from at most HEADER_PEEK_BYTES of compressed input (so
 * at most ~4 MiB out): enough for any .npy header, never the member's data in full.
 */
function headerSource(src: ByteSource, m: Member, dataStart: number, where: string): ByteSource {
  let head: Uint8Array;
  try {
    const input = src.read(dataStart, Math.min(m.compressedSize, HEADER_PEEK_BYTES));
    head = new Uint8Array(inflateRawSync(input, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: HEADER_PEEK_BYTES * MAX_DEFLATE_RATIO + 1024 }));
  } catch (err) {
    return fail(where, `member '${m.name}' does not inflate: ${(err as Error).message}`);
  }
  return {
    size: m.size,
    read(offset, length) {
      if (offset + length > head.length) fail(where, `member '${m.name}' has no complete .npy header in its first ${head.length} inflated bytes`);
      return head.subarray(offset, offset + length);
    },
  };
}

/** Inflates a deflated member (never past its declared size) and checks its size and CRC. */
function inflateMember(src: ByteSource, m: Member, dataStart: number, where: string): Uint8Array {
  checkDeclaredSize(m, where);
  let content: Uint8Array;
  try {
    // maxOutputLength: zlib stops (and throws) at the declared size instead of inflating a bomb whole.
    const inflated = inflateRawSync(src.read(dataStart, m.compressedSize), { maxOutputLength: Math.max(1, m.size) });
    content = new Uint8Array(inflated); // plain bytes, not a pooled Buffer view
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') fail(where, `member '${m.name}' inflates to more than the ${m.size} bytes its directory declares`);
    return fail(where, `member '${m.name}' does not inflate: ${(err as Error).message}`);
  }
  if (content.length !== m.size) fail(where, `member '${m.name}' has ${content.length} bytes, the directory says ${m.size}`);
  if (crc32(content) >>> 0 !== m.crc) fail(where, `member '${m.name}' fails its CRC check (corrupt file)`);
  return content;
}

/**
 * Scans an .npz (a zip of .npy members, as numpy's savez and savez_compressed write them). Stored
 * members become tensors read in place, their CRC checked when loaded; deflated members are
 * inflated to read their header (and again when loaded), and their compressed bytes stay verbatim
 * in the literal segments so export is still byte-identical.
 */
export function scanNpz(src: ByteSource, where: string): ScannedFile {
  const members = readMembers(src, where).sort((a, b) => a.localOffset - b.localOffset);
  const entries: TensorEntry[] = [];
  const segments: Segment[] = [];
  let cursor = 0;
  for (const m of members) {
    const at = m.localOffset;
    if (at < cursor || at + 30 > src.size) fail(where, `local header of '${m.name}' at ${at} is missing or overlaps another member`);
    const local = src.read(at, 30);
    const lv = new DataView(local.buffer, local.byteOffset, 30);
    if (lv.getUint32(0, true) !== LOCAL) fail(where, `local header of '${m.name}' at ${at} is missing or overlaps another member`);
    const dataStart = at + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    const dataEnd = dataStart + m.compressedSize;
    if (dataEnd > src.size) fail(where, `member '${m.name}' runs past the end of the file (truncated)`);
    if (!m.name.endsWith('.npy')) fail(where, `member '${m.name}' is not an .npy array`);
    const name = m.name.slice(0, -4);
    const memberWhere = `${where}:${printable(m.name)}`;
    const index = entries.length;
    if (m.method === 0) {
      if (m.compressedSize !== m.size) fail(where, `member '${m.name}' has ${m.compressedSize} bytes, the directory says ${m.size}`);
      const npy = readNpyHeader(src, memberWhere, dataStart, m.size);
      const tensorStart = dataStart + npy.dataStart;
      const byteLength = m.size - npy.dataStart;
      const load = (): Uint8Array => {
        const data = src.read(tensorStart, byteLength);
        if (crc32(data, crc32(src.read(dataStart, npy.dataStart))) >>> 0 !== m.crc) fail(where, `member '${m.name}' fails its CRC check (corrupt file)`);
        return data;
      };
      entries.push({ name, dtype: npy.dtype, shape: npy.shape, byteLength, load });
      segments.push({ literal: src.read(cursor, tensorStart - cursor) }, { tensor: index });
      cursor = tensorStart + byteLength;
    } else if (m.method === 8) {
      // Stays inside the literal bytes (the cursor does not move past it); its tensor is still an entry.
      // Only the member's start is inflated here: its header's shape is checked against the declared size first.
      checkDeclaredSize(m, where);
      const npy = readNpyHeader(headerSource(src, m, dataStart, where), memberWhere, 0, m.size);
      const load = (): Uint8Array => inflateMember(src, m, dataStart, where).subarray(npy.dataStart);
      entries.push({ name, dtype: npy.dtype, shape: npy.shape, byteLength: m.size - npy.dataStart, load });
    } else fail(where, `member '${m.name}' uses zip compression method ${m.method}; only stored (0) and deflate (8) are supported`);
  }
  segments.push({ literal: src.read(cursor, src.size - cursor) });
  return { format: 'npz', entries, segments };
}

/** Parses an .npz in memory (stored members' tensors are views into `bytes`; CRCs checked). */
export function parseNpz(bytes: Uint8Array, where: string): ParsedFile {
  return loadAll(scanNpz(memorySource(bytes), where));
}

function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Writes tensors as an uncompressed .npz, like numpy.savez (members `<name>.npy`). */
export function writeNpz(tensors: readonly NamedTensor[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: number[] = [];
  let offset = 0;
  for (const { name, tensor } of tensors) {
    const body = writeNpy(tensor);
    const unsafe = unsafeMemberReason(`${name}.npy`); // whoever unzips it must not write outside its folder
    if (unsafe) throw new ReefError('INVALID_PARAM', `cannot write tensor ${JSON.stringify(printable(name))} as an .npz member: ${unsafe}`);
    const fileName = new TextEncoder().encode(`${name}.npy`);
    const crc = crc32(body) >>> 0;
    if (body.length >= 0xffffffff || offset >= 0xffffffff) throw new ReefError('UNSUPPORTED', 'npz export above 4 GiB needs zip64; export as safetensors');
    const common = [...u16(0), ...u16(0), ...u16(0), ...u16(0x21), ...u32(crc), ...u32(body.length), ...u32(body.length), ...u16(fileName.length), ...u16(0)];
    const local = Uint8Array.from([...u32(LOCAL), ...u16(20), ...common, ...fileName]);
    central.push(...u32(CENTRAL), ...u16(20), ...u16(20), ...common, ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...fileName);
    parts.push(local, body);
    offset += local.length + body.length;
  }
  const eocd = [...u32(EOCD), ...u16(0), ...u16(0), ...u16(tensors.length), ...u16(tensors.length), ...u32(central.length), ...u32(offset), ...u16(0)];
  parts.push(Uint8Array.from(central), Uint8Array.from(eocd));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
