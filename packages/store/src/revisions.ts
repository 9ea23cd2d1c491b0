import { ReefError } from '@reef/core/errors';
import type { Commit } from './model.js';
import type { RepoContext } from './repo-context.js';

/** Revisions: names (HEAD, branches, tags, hashes, ~N) to commits, and walks through history. */

/** Resolves HEAD, a branch, a tag, a full or unique short hash, optionally followed by ~N. */
export function resolveRevision(ctx: RepoContext, rev: string): string {
  const m = /^(.*?)(?:~(\d+))?$/.exec(rev.trim());
  const base = m?.[1] ?? rev;
  let hash: string | undefined;
  if (base === 'HEAD') {
    hash = ctx.refs.head().hash;
    if (!hash) throw new ReefError('INVALID_PARAM', 'HEAD has no commits yet');
  } else {
    hash = ctx.refs.get('heads', base) ?? ctx.refs.get('tags', base);
    if (!hash && /^[0-9a-f]{4,64}$/.test(base)) {
      const matches = ctx.commits.list().filter((h) => h.startsWith(base));
      if (matches.length > 1) throw new ReefError('INVALID_PARAM', `revision '${base}' is ambiguous: ${matches.map((h) => h.slice(0, 12)).join(', ')}`);
      hash = matches[0];
    }
  }
  if (!hash) throw new ReefError('INVALID_PARAM', `unknown revision '${rev}': not a branch, tag or commit hash`);
  let current: string = hash;
  for (let k = Number(m?.[2] ?? 0); k > 0; k--) {
    const parent: string | undefined = ctx.commits.read(current).parents[0];
    if (!parent) throw new ReefError('INVALID_PARAM', `revision '${rev}' goes past the first commit`);
    current = parent;
  }
  return current;
}

export function commitAt(ctx: RepoContext, rev: string): Commit {
  return ctx.commits.read(resolveRevision(ctx, rev));
}

/** Commits reachable from `rev`, newest first. */
export function log(ctx: RepoContext, rev = 'HEAD', limit = Infinity): Commit[] {
  if (rev === 'HEAD' && !ctx.refs.head().hash) return [];
  const seen = new Set<string>();
  const out: Commit[] = [];
  const queue = [resolveRevision(ctx, rev)];
  while (queue.length > 0) {
    const hash = queue.shift() as string;
    if (seen.has(hash)) continue;
    seen.add(hash);
    const c = ctx.commits.read(hash);
    out.push(c);
    queue.push(...c.parents);
  }
  return out.sort((a, b) => b.time.localeCompare(a.time)).slice(0, limit);
}

export function ancestors(ctx: RepoContext, hash: string): Set<string> {
  const seen = new Set<string>();
  const stack = [hash];
  while (stack.length > 0) {
    const h = stack.pop() as string;
    if (seen.has(h)) continue;
    seen.add(h);
    stack.push(...ctx.commits.read(h).parents);
  }
  return seen;
}
