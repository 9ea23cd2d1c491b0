import type { DType, Tensor } from '@reef/core';

export type FileFormat = 'safetensors' | 'npy' | 'npz';

export interface NamedTensor {
  readonly name: string;
  readonly tensor: Tensor;
}

/**
 * A file seen as a sequence of parts: bytes kept verbatim (headers, zip records, metadata) and
 * tensors by index. Concatenating the parts gives back the original file byte for byte, which is
 * how export reproduces exactly what was added without understanding every header detail.
 */
export type Segment = { readonly literal: Uint8Array } | { readonly tensor: number };

export interface ParsedFile {
  readonly format: FileFormat;
  readonly tensors: NamedTensor[];
  readonly segments: Segment[];
}

/** A tensor of a scanned file: its header facts now, its bytes when loaded (read, and checked, then). */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
  readonly byteLength: number;
  load(): Uint8Array;
}

/**
 * A file whose headers are parsed and checked but whose tensors are not read yet: literal segments
 * hold the verbatim header bytes, tensor segments index `entries`. Tensors that are not segments
 * (members of a compressed .npz, kept inside the literal bytes) are still entries.
 */
export interface ScannedFile {
  readonly format: FileFormat;
  readonly entries: TensorEntry[];
  readonly segments: Segment[];
}

/** Loads every tensor of a scanned file (for files already in memory: views, no copies). */
export function loadAll(scanned: ScannedFile): ParsedFile {
  const tensors = scanned.entries.map((e) => ({ name: e.name, tensor: { dtype: e.dtype, shape: e.shape, data: e.load() } }));
  return { format: scanned.format, tensors, segments: scanned.segments };
}

/** Concatenates segments, taking tensor bytes from `tensorData` by index. */
export function assemble(segments: readonly Segment[], tensorData: readonly Uint8Array[]): Uint8Array {
  const parts = segments.map((s) => ('literal' in s ? s.literal : tensorData[s.tensor]));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
