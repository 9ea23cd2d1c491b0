import { ReefError } from '@reef/core/errors';
import { assertRefName } from './history.js';
import type { RepoContext } from './repo-context.js';
import { resolveRevision } from './revisions.js';

/** Branches and tags: named pointers at commits. */

export function branches(ctx: RepoContext): { name: string; hash: string; current: boolean }[] {
  const current = ctx.refs.head().branch;
  return ctx.refs.list('heads').map((b) => ({ ...b, current: b.name === current }));
}

export function createBranch(ctx: RepoContext, name: string, rev = 'HEAD'): string {
  assertRefName(name);
  if (ctx.refs.get('heads', name)) throw new ReefError('INVALID_PARAM', `branch '${name}' already exists`);
  const hash = resolveRevision(ctx, rev);
  ctx.refs.set('heads', name, hash);
  return hash;
}

export function deleteBranch(ctx: RepoContext, name: string): void {
  if (!ctx.refs.get('heads', name)) throw new ReefError('INVALID_PARAM', `no branch '${name}'`);
  if (ctx.refs.head().branch === name) throw new ReefError('INVALID_PARAM', `cannot delete the current branch '${name}'`);
  ctx.refs.delete('heads', name);
}

export function tags(ctx: RepoContext): { name: string; hash: string }[] {
  return ctx.refs.list('tags');
}

export function createTag(ctx: RepoContext, name: string, rev = 'HEAD'): string {
  assertRefName(name);
  if (ctx.refs.get('tags', name)) throw new ReefError('INVALID_PARAM', `tag '${name}' already exists`);
  const hash = resolveRevision(ctx, rev);
  ctx.refs.set('tags', name, hash);
  return hash;
}

export function deleteTag(ctx: RepoContext, name: string): void {
  if (!ctx.refs.get('tags', name)) throw new ReefError('INVALID_PARAM', `no tag '${name}'`);
  ctx.refs.delete('tags', name);
}
