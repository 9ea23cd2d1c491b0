import type { DType } from '@reef/core';
import type { FileFormat } from './formats/index.js';

export interface TensorRecord {
  readonly name: string;
  /** Content address (sha256 of dtype, shape and bytes). */
  readonly hash: string;
  readonly dtype: DType;
  readonly shape: number[];
}

/**
 * A part of a tracked file: verbatim bytes (base64), verbatim bytes raw-deflated then base64
 * (`deflated`, commit format 2: written where that is shorter, e.g. a safetensors JSON header), or a
 * tensor by index.
 */
export type LayoutPart = { readonly literal: string } | { readonly deflated: string } | { readonly tensor: number };

/** A tracked file: its tensors plus the layout that rebuilds it byte for byte. */
export interface FileRecord {
  readonly format: FileFormat;
  readonly size: number;
  /** sha256 of the whole file, checked on every checkout and export. */
  readonly sha256: string;
  readonly tensors: TensorRecord[];
  readonly layout: LayoutPart[];
  /**
   * For a file some of whose tensors a lossy commit stored approximately: the file that was added
   * (its sha256 and size). `sha256`/`size` then describe the file checkout rebuilds from the decoded
   * tensors, and `status` treats a working file equal to `source` as unchanged.
   */
  readonly source?: { readonly sha256: string; readonly size: number };
}

/** Tracked files by path relative to the repository root. */
export type Tree = Record<string, FileRecord>;

/** A tensor a lossy commit stored approximately, with the error measured by decoding it. */
export interface LossyTensorRecord {
  readonly path: string;
  readonly tensor: string;
  /** Content address of what was added. */
  readonly original: string;
  /** Content address of the decoded tensor: what the tree records and checkout gives. */
  readonly stored: string;
  readonly encoding: string;
  readonly reference: string;
  readonly maxAbs: number;
  /** ‖original − decoded‖₂ / ‖original‖₂. */
  readonly relL2: number;
}

/** A tensor kept lossless although lossy encodings were tried: none met the bound (or paid). */
export interface LosslessFallbackRecord {
  readonly path: string;
  readonly tensor: string;
  /** The smallest measured relative error among the lossy encodings tried. */
  readonly bestRelL2?: number;
  readonly bestEncoding?: string;
  readonly reason: 'bound' | 'size';
}

/** What `commit --max-rel-error` did (absent on lossless commits). */
export interface CommitQuality {
  readonly maxRelError: number;
  readonly lossy: LossyTensorRecord[];
  readonly lossless: LosslessFallbackRecord[];
  /** Shared codebooks this commit's tensors use (/pq_codebooks/<hash>). */
  readonly codebooks: string[];
}

export interface CommitRecord {
  /** Layout of the record (history.ts COMMIT_FORMAT): absent in records written before it was recorded (1). */
  readonly format?: number;
  readonly parents: string[];
  readonly message: string;
  readonly time: string;
  readonly tree: Tree;
  readonly quality?: CommitQuality;
}

export interface Commit extends CommitRecord {
  readonly hash: string;
}
