import { ReefError } from '@reef/core/errors';
import { isFloatDType } from '@reef/core/tensor';
import type { Tensor } from '@reef/core';
import { assertSafeTree, writeWorkingTree } from './checkout.js';
import { float64ToTensor, toFloat64 } from '@reef/codecs';
import { encodeTensor } from './encode.js';
import { rebuildRecord, sameFile, sameTensors } from './file-records.js';
import { tensorHash } from './hash.js';
import type { TensorRecord, Tree } from './model.js';
import type { EncodedObject } from './objects.js';
import type { RepoContext } from './repo-context.js';
import { ancestors, log, resolveRevision } from './revisions.js';
import { status } from './staging.js';

export type MergeStrategy = 'ours' | 'theirs' | 'average' | 'weighted';

export interface MergeConflict {
  readonly path: string;
  readonly tensor?: string;
  readonly resolution: string;
}

export interface MergeResult {
  readonly fastForward: boolean;
  readonly upToDate: boolean;
  readonly commit?: string;
  readonly conflicts: MergeConflict[];
}

/**
 * Merges `rev` into the current branch. Fast-forwards when possible; otherwise a three-way merge
 * per tensor against the merge base. Tensors changed on both sides are conflicts, resolved by
 * the strategy (ours, theirs, average, weighted: w*ours + (1-w)*theirs) or listed in an error.
 */
export async function merge(ctx: RepoContext, rev: string, options: { strategy?: MergeStrategy; weight?: number; message?: string } = {}): Promise<MergeResult> {
  const strategy = options.strategy;
  if (strategy && !['ours', 'theirs', 'average', 'weighted'].includes(strategy)) {
    throw new ReefError('INVALID_PARAM', `unknown merge strategy '${strategy}': use ours, theirs, average or weighted`);
  }
  const weight = strategy === 'weighted' ? (options.weight ?? 0.5) : 0.5;
  if (!(weight >= 0 && weight <= 1)) throw new ReefError('INVALID_PARAM', `merge weight must be in [0, 1], got ${options.weight}`);
  const release = ctx.lock();
  try {
    const head = ctx.refs.head();
    const theirs = resolveRevision(ctx, rev);
    assertSafeTree(ctx.commits.read(theirs).tree, `commit ${theirs.slice(0, 12)}`); // before any commit is written
    const s = status(ctx);
    if (s.staged.length > 0) throw new ReefError('INVALID_PARAM', 'commit staged changes before merging');
    if (head.hash && ancestors(ctx, head.hash).has(theirs)) return { fastForward: false, upToDate: true, conflicts: [] };
    const previous = ctx.index();
    if (!head.hash || ancestors(ctx, theirs).has(head.hash)) {
      const target = ctx.commits.read(theirs);
      await writeWorkingTree(ctx, target.tree, previous);
      ctx.refs.advanceHead(theirs);
      ctx.writeIndex(target.tree);
      return { fastForward: true, upToDate: false, commit: theirs, conflicts: [] };
    }
    const oursAnc = ancestors(ctx, head.hash);
    const baseHash = log(ctx, theirs).find((c) => oursAnc.has(c.hash))?.hash;
    const base = baseHash ? ctx.commits.read(baseHash).tree : {};
    const ours = ctx.commits.read(head.hash).tree;
    const other = ctx.commits.read(theirs).tree;
    const { tree, conflicts, unresolved, computed } = await mergeTrees(ctx, base, ours, other, strategy, weight);
    if (unresolved.length > 0) {
      const list = unresolved.map((c) => (c.tensor ? `${c.path}:${c.tensor}` : c.path)).join(', ');
      throw new ReefError('INVALID_PARAM', `merge conflicts in ${list}; choose \`strategy\` ours, theirs, average or weighted`);
    }
    await ctx.objects.writePack(computed, ctx.onProgress);
    const commit = ctx.writeCommit({
      parents: [head.hash, theirs],
      message: options.message ?? `merge ${rev}${strategy ? ` (${strategy})` : ''}`,
      time: new Date().toISOString(),
      tree,
    });
    await writeWorkingTree(ctx, tree, previous);
    ctx.writeIndex(tree);
    return { fastForward: false, upToDate: false, commit: commit.hash, conflicts };
  } finally {
    release();
  }
}

export async function mergeTrees(ctx: RepoContext, base: Tree, ours: Tree, theirs: Tree, strategy: MergeStrategy | undefined, weight: number) {
  const tree: Tree = {};
  const conflicts: MergeConflict[] = [];
  const unresolved: MergeConflict[] = [];
  const computed: EncodedObject[] = [];
  // Merged tensors not yet in a pack, so a rebuilt file can be hashed before the pack is written.
  const pending = new Map<string, Tensor>();
  for (const path of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    const b = base[path];
    const o = ours[path];
    const t = theirs[path];
    if (sameFile(o, t) || sameFile(b, t)) {
      if (o) tree[path] = o;
      continue;
    }
    if (sameFile(b, o)) {
      if (t) tree[path] = t;
      continue;
    }
    if (!o || !t || !sameTensors(o, t)) {
      const pick = strategy === 'ours' ? o : strategy === 'theirs' ? t : undefined;
      const c = { path, resolution: pick === undefined && strategy !== 'ours' && strategy !== 'theirs' ? 'unresolved (files differ in tensors)' : `took ${strategy}` };
      (c.resolution.startsWith('took') ? conflicts : unresolved).push(c);
      if (pick) tree[path] = pick;
      continue;
    }
    const records: TensorRecord[] = [];
    for (let i = 0; i < o.tensors.length; i++) {
      const bt = b && sameTensors(b, o) ? b.tensors[i] : undefined;
      const ot = o.tensors[i];
      const tt = t.tensors[i];
      if (ot.hash === tt.hash || bt?.hash === tt.hash) records.push(ot);
      else if (bt?.hash === ot.hash) records.push(tt);
      else if (strategy === 'ours' || strategy === 'theirs') {
        records.push(strategy === 'ours' ? ot : tt);
        conflicts.push({ path, tensor: ot.name, resolution: `took ${strategy}` });
      } else if ((strategy === 'average' || strategy === 'weighted') && isFloatDType(ot.dtype)) {
        const x = toFloat64(await ctx.objects.get(ot.hash));
        const y = toFloat64(await ctx.objects.get(tt.hash));
        const mixed = new Float64Array(x.length);
        for (let k = 0; k < x.length; k++) mixed[k] = weight * x[k] + (1 - weight) * y[k];
        const tensor = float64ToTensor(mixed, ot.dtype, ot.shape);
        const hash = tensorHash(tensor);
        if (!ctx.objects.has(hash) && !computed.some((c) => c.info.hash === hash)) {
          const ref = { hash: ot.hash, tensor: await ctx.objects.get(ot.hash), depth: ctx.objects.info(ot.hash)?.depth ?? 0, source: 'parent' };
          const enc = await encodeTensor(hash, tensor, [ref], ctx.addTypes(), ctx.maxDepth);
          computed.push(enc);
          pending.set(hash, tensor);
        }
        records.push({ ...ot, hash });
        conflicts.push({ path, tensor: ot.name, resolution: strategy === 'average' ? 'averaged' : `weighted ${weight}` });
      } else if (strategy) {
        records.push(ot);
        conflicts.push({ path, tensor: ot.name, resolution: `kept ours (${ot.dtype} cannot be averaged)` });
      } else {
        records.push(ot);
        unresolved.push({ path, tensor: ot.name, resolution: 'unresolved' });
      }
    }
    tree[path] = await rebuildRecord(ctx, path, o, records, pending);
  }
  pending.clear();
  return { tree, conflicts, unresolved, computed };
}
