import type { FileRecord, TensorRecord } from './model.js';
import type { RepoContext } from './repo-context.js';
import { resolveRevision } from './revisions.js';

/** What an export says about itself: checked facts, never inferred from the file's layout alone. */

/** The approximation in an export: tensors a lossy commit stored, the bound it kept, the worst errors measured. */
export interface ExportLoss {
  /** Exported tensors stored approximately, of `of` exported. */
  readonly tensors: number;
  readonly of: number;
  /** The largest `--max-rel-error` recorded by the commits that stored them (absent if none is found in the history). */
  readonly maxRelError?: number;
  /** Worst measured relative L2 error and largest absolute error among them, as recorded at commit. */
  readonly relL2: number;
  readonly maxAbs: number;
}

export interface ExportOutcome {
  readonly bytes: number;
  /** One tracked file rebuilt with its recorded layout (not converted to another format). */
  readonly verbatim: boolean;
  /** sha256 of the written file when it is known without reading it back (verbatim: checked while writing). */
  readonly sha256?: string;
  /** True only when the written file's sha256 equals that of the file that was added. */
  readonly identical: boolean;
  /** Present when any exported tensor was stored lossy. */
  readonly loss?: ExportLoss;
}

/**
 * Whether a verbatim export is the file that was added: its sha256 (checked as it was written) is
 * the rebuilt file's; a lossy commit records the added file apart, as `source`.
 */
export function identicalToAdded(file: FileRecord): boolean {
  const added = file.source?.sha256 ?? file.sha256;
  return file.sha256 === added;
}

/** The recorded errors of the exported tensors that a lossy commit stored approximately. */
export function exportLoss(ctx: RepoContext, rev: string, tensors: readonly TensorRecord[]): ExportLoss | undefined {
  const lossy = new Map<string, { relL2: number; maxAbs: number }>();
  for (const t of tensors) {
    const error = ctx.objects.info(t.hash)?.error;
    if (error) lossy.set(t.hash, error);
  }
  if (lossy.size === 0) return undefined;
  let relL2 = 0;
  let maxAbs = 0;
  for (const e of lossy.values()) [relL2, maxAbs] = [Math.max(relL2, e.relL2), Math.max(maxAbs, e.maxAbs)];
  return { tensors: tensors.filter((t) => lossy.has(t.hash)).length, of: tensors.length, maxRelError: recordedBound(ctx, rev, lossy), relL2, maxAbs };
}

/** The bound the commits reachable from `rev` recorded for these lossy tensors (the largest, if several). */
function recordedBound(ctx: RepoContext, rev: string, lossy: ReadonlyMap<string, unknown>): number | undefined {
  let bound: number | undefined;
  const seen = new Set<string>();
  const queue = [resolveRevision(ctx, rev)];
  while (queue.length > 0) {
    const hash = queue.pop() as string;
    if (seen.has(hash)) continue;
    seen.add(hash);
    const commit = ctx.commits.read(hash);
    if (commit.quality?.lossy.some((r) => lossy.has(r.stored))) bound = Math.max(bound ?? 0, commit.quality.maxRelError);
    queue.push(...commit.parents);
  }
  return bound;
}
