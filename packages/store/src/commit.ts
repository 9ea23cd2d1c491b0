import { ReefError } from '@reef/core/errors';
import type { Commit } from './model.js';
import type { RepoContext } from './repo-context.js';
import { add } from './staging.js';

/** A plain commit: the staged tree as it is, every tensor stored as `add` chose. */

/** Records the staged tree as a new commit and moves the current branch to it. */
export function commit(ctx: RepoContext, message: string): Commit {
  if (!message.trim()) throw new ReefError('INVALID_PARAM', 'a commit needs a message (`message`)');
  const release = ctx.lock();
  try {
    const head = ctx.refs.head();
    const tree = ctx.index();
    const headTree = head.hash ? ctx.commits.read(head.hash).tree : {};
    if (JSON.stringify(tree) === JSON.stringify(headTree) || (Object.keys(tree).length === 0 && !head.hash)) {
      throw new ReefError('INVALID_PARAM', 'nothing to commit: stage files with reef add first');
    }
    for (const file of Object.values(tree)) {
      for (const t of file.tensors) if (!ctx.objects.has(t.hash)) throw new ReefError('REPOSITORY', `staged tensor ${t.name} (${t.hash.slice(0, 12)}) is missing; add the file again`);
    }
    return ctx.writeCommit({ parents: head.hash ? [head.hash] : [], message, time: new Date().toISOString(), tree });
  } finally {
    release();
  }
}

/**
 * Adds files and commits them under one hold of the lock, for writers that run at the same time:
 * the commit holds HEAD's tree plus exactly these files, so another process's staged files are
 * neither taken under this message nor lost (they stay staged). A plain `add` then `commit` shares
 * one staging index between every process.
 */
export async function commitFiles(ctx: RepoContext, message: string, paths: readonly string[], options: { as?: string; cwd?: string } = {}): Promise<Commit> {
  if (!message.trim()) throw new ReefError('INVALID_PARAM', 'a commit needs a message (`message`)');
  const release = ctx.lock();
  try {
    const added = await add(ctx, paths, { ...options, lockHeld: true });
    const head = ctx.refs.head();
    const headTree = head.hash ? ctx.commits.read(head.hash).tree : {};
    const staged = ctx.index();
    const tree = { ...headTree };
    for (const { path } of added) tree[path] = staged[path];
    if (head.hash && JSON.stringify(tree) === JSON.stringify(headTree)) throw new ReefError('INVALID_PARAM', `nothing to commit: ${added.map((a) => a.path).join(', ')} unchanged since the last commit`);
    return ctx.writeCommit({ parents: head.hash ? [head.hash] : [], message, time: new Date().toISOString(), tree });
  } finally {
    release();
  }
}
