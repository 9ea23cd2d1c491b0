import type { DType } from '@reef/core';
import type { FileFormat } from './formats/index.js';

export interface TensorRecord {
  readonly name: string;
  /** Content address (sha256 of dtype, shape and bytes). */
  readonly hash: string;
  readonly dtype: DType;
  readonly shape: number[];
}

/** A part of a tracked file: verbatim bytes (base64) or a tensor by index. */
export type LayoutPart = { readonly literal: string } | { readonly tensor: number };

/** A tracked file: its tensors plus the layout that rebuilds it byte for byte. */
export interface FileRecord {
  readonly format: FileFormat;
  readonly size: number;
  /** sha256 of the whole file, checked on every checkout and export. */
  readonly sha256: string;
  readonly tensors: TensorRecord[];
  readonly layout: LayoutPart[];
}

/** Tracked files by path relative to the repository root. */
export type Tree = Record<string, FileRecord>;

export interface CommitRecord {
  readonly parents: string[];
  readonly message: string;
  readonly time: string;
  readonly tree: Tree;
}

export interface Commit extends CommitRecord {
  readonly hash: string;
}
