import { ReefError } from '@reef/core/errors';
import type { Commit } from './model.js';
import type { RepoContext } from './repo-context.js';
import { selectChanges, assertSomethingTaken } from './staged-changes.js';
import { add } from './staging.js';

/**
 * A plain commit: this writer's staged changes as `add` stored them (see staged-changes.ts for
 * which changes are whose); other running writers' changes stay staged for them.
 */
export function commit(ctx: RepoContext, message: string, options: { allWriters?: boolean } = {}): Commit {
  if (!message.trim()) throw new ReefError('INVALID_PARAM', 'a commit needs a message (`message`)');
  const release = ctx.lock();
  try {
    const head = ctx.refs.head();
    const headTree = head.hash ? ctx.commits.read(head.hash).tree : {};
    // Taken under the lock: no add can stage between this snapshot and the commit.
    const selection = selectChanges(ctx, headTree, options);
    assertSomethingTaken(selection);
    const { tree } = selection;
    for (const path of selection.taken) {
      for (const t of tree[path]?.tensors ?? []) if (!ctx.objects.has(t.hash)) throw new ReefError('REPOSITORY', `staged tensor ${t.name} (${t.hash.slice(0, 12)}) is missing; add the file again`);
    }
    // The staging index is left as it is: the taken changes now equal HEAD, the others stay staged.
    return ctx.writeCommit({ parents: head.hash ? [head.hash] : [], message, time: new Date().toISOString(), tree });
  } finally {
    release();
  }
}

/**
 * Adds files and commits them under one hold of the lock: the commit holds HEAD's tree plus
 * exactly these files, so another writer's staged files are neither taken under this message nor
 * lost (they stay staged), whoever staged them.
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
