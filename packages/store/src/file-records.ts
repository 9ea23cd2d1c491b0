import { ReefError } from '@reef/core/errors';
import { statSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Tensor } from '@reef/core';
import { assemble, parseNpz, writeNpz, type Segment } from './formats/index.js';
import { sha256, sha256File } from './hash.js';
import type { FileRecord, LayoutPart, TensorRecord } from './model.js';
import type { RepoContext } from './repo-context.js';

/** Tracked-file records: their byte layout, comparisons, and records rebuilt with other tensors. */

/**
 * Literals at least this long are also tried raw-deflated. Measured on the public series
 * (bench/store/series.mjs): a safetensors header of 13 tensors, 976 B, is 1,304 B of base64 and
 * ~470 B deflated, a quarter of a cast commit's record; below 64 B deflate rarely pays.
 */
const DEFLATE_LITERALS_FROM = 64;

export function toLayout(segments: readonly Segment[]): LayoutPart[] {
  return segments.map((s) => {
    if (!('literal' in s)) return { tensor: s.tensor };
    const literal = Buffer.from(s.literal).toString('base64');
    if (s.literal.length < DEFLATE_LITERALS_FROM) return { literal };
    const deflated = deflateRawSync(s.literal, { level: 9 }).toString('base64');
    return deflated.length < literal.length ? { deflated } : { literal };
  });
}

/** The segments of a recorded layout; `maxBytes` (the file's size) bounds what a deflated literal may inflate to. */
export function fromLayout(layout: readonly LayoutPart[], maxBytes: number): Segment[] {
  return layout.map((p) => {
    if ('tensor' in p) return { tensor: p.tensor };
    if ('literal' in p) return { literal: new Uint8Array(Buffer.from(p.literal, 'base64')) };
    if ('deflated' in p && typeof p.deflated === 'string') {
      try {
        return { literal: new Uint8Array(inflateRawSync(Buffer.from(p.deflated, 'base64'), { maxOutputLength: Math.max(1, maxBytes) })) };
      } catch (err) {
        throw new ReefError('REPOSITORY', `a deflated literal of the file's layout does not inflate within the file's ${maxBytes} bytes: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new ReefError('REPOSITORY', `a part of the file's layout is neither literal bytes nor a tensor: ${JSON.stringify(p).slice(0, 80)}`);
  });
}

/** Whether the file at `abs` is the recorded one, or the file a lossy commit was made from. */
export function matchesRecord(abs: string, file: FileRecord): boolean {
  const size = statSync(abs).size;
  if (size !== file.size && size !== file.source?.size) return false;
  const hash = sha256File(abs);
  return hash === file.sha256 || hash === file.source?.sha256;
}

export function sameFile(a: FileRecord | undefined, b: FileRecord | undefined): boolean {
  return a?.sha256 === b?.sha256;
}

export function sameTensors(a: FileRecord, b: FileRecord): boolean {
  return a.format === b.format && a.tensors.length === b.tensors.length &&
    a.tensors.every((t, i) => t.name === b.tensors[i].name && t.dtype === b.tensors[i].dtype && JSON.stringify(t.shape) === JSON.stringify(b.tensors[i].shape));
}

/**
 * A file record for `template` with other tensor contents: same layout, new size and hash.
 * `pending`: tensors not yet in a pack (merged or lossy ones), so a rebuilt file can be hashed before the pack is written.
 */
export async function rebuildRecord(ctx: RepoContext, path: string, template: FileRecord, records: TensorRecord[], pending: ReadonlyMap<string, Tensor> = new Map()): Promise<FileRecord> {
  if (records.every((r, i) => r.hash === template.tensors[i].hash)) return template;
  const data: Uint8Array[] = [];
  for (const r of records) data.push((pending.get(r.hash) ?? (await ctx.objects.get(r.hash))).data);
  if (template.format === 'npz') {
    // Zip records carry CRCs of the members: write a fresh archive rather than patch the old one.
    const bytes = writeNpz(records.map((r, i) => ({ name: r.name, tensor: { dtype: r.dtype, shape: r.shape, data: data[i] } })));
    const parsed = parseNpz(bytes, path);
    return { format: 'npz', size: bytes.length, sha256: sha256(bytes), tensors: records, layout: toLayout(parsed.segments) };
  }
  const bytes = assemble(fromLayout(template.layout, template.size), data);
  // No `source`: the template's added file (of a lossy commit) is not the file these tensors make.
  return { format: template.format, layout: template.layout, size: bytes.length, sha256: sha256(bytes), tensors: records };
}
