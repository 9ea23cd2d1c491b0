import type { Tensor } from '@reef/core';

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
