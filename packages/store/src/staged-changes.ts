import { ReefError } from '@reef/core/errors';
import type { Tree } from './model.js';
import { printable } from './printable.js';
import type { RepoContext, Staging } from './repo-context.js';
import { describeWriter, relation } from './writer.js';

/**
 * Which staged changes a plain commit takes (the staging rule, writer.ts): this writer's, those of
 * writers that have ended and unstamped ones (staged by older versions); another running writer's
 * stay staged for it. With `allWriters`, every change.
 */

export interface Selection {
  /** HEAD's tree with the taken changes applied: what the commit records. */
  readonly tree: Tree;
  readonly taken: readonly string[];
  /** Changes left staged for writers still running, with who staged them. */
  readonly left: readonly { path: string; writer: string }[];
  readonly staging: Staging;
}

export function selectChanges(ctx: RepoContext, headTree: Tree, options: { allWriters?: boolean } = {}): Selection {
  const staging = ctx.staging();
  const me = ctx.writer();
  const tree: Tree = { ...headTree };
  const taken: string[] = [];
  const left: { path: string; writer: string }[] = [];
  for (const path of new Set([...Object.keys(headTree), ...Object.keys(staging.files)])) {
    const staged = staging.files[path];
    if (JSON.stringify(staged) === JSON.stringify(headTree[path])) continue;
    const stamp = staging.stagedBy[path];
    if (!options.allWriters && stamp && relation(stamp, me) === 'other') {
      left.push({ path, writer: describeWriter(stamp) });
      continue;
    }
    if (staged) tree[path] = staged;
    else delete tree[path];
    taken.push(path);
  }
  return { tree, taken, left, staging };
}

/** Throws "nothing to commit", saying whose changes stay staged when only other writers' are. */
export function assertSomethingTaken(selection: Selection): void {
  if (selection.taken.length > 0) return;
  const { left } = selection;
  if (left.length === 0) throw new ReefError('INVALID_PARAM', 'nothing to commit: stage files with reef add first');
  const shown = left.slice(0, 5).map((l) => `${printable(l.path)} (${l.writer})`).join(', ');
  const more = left.length > 5 ? `, and ${left.length - 5} more` : '';
  throw new ReefError(
    'INVALID_PARAM',
    `nothing to commit from this writer: ${left.length} change(s) staged by other writers that are still running stay staged for them: ${shown}${more}; commit them there, or take them too with \`reef commit --all-writers\``,
  );
}
