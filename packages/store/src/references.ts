import { DTYPE_BYTES, elementCount, isFloatDType } from '@reef/core/tensor';
import type { Tensor } from '@reef/core';
import { WHOLE_ONLY_BYTES, type ReferenceCandidate } from './encoding-policy.js';
import type { Tree, TensorRecord } from './model.js';
import type { ObjectInfo } from './objects.js';
import type { RepoContext } from './repo-context.js';
import type { SimilarityIndex } from './similarity.js';

/**
 * Which stored tensors a new tensor may be encoded against: its namesake in the parent commit, else
 * its namesake in one of the few commits before (an f32 checkpoint committed before its bf16 and f16
 * casts replaced it under the same path), else similar ones; and for a float tensor, copies of it in
 * a wider and a narrower float dtype (source 'cast'), in the staging index, the parent or those
 * commits before it.
 */

/**
 * First-parent commits before the parent searched for namesakes and casts. Measured on the public
 * series (bench/store/series.mjs): an f16 cast committed after the bf16 cast of the same f32 epoch
 * went whole (719 kB) with the parent alone, and a fine-tune committed after the casts was coded
 * against a similar, older epoch (8% more than against its base).
 */
const ANCESTORS = 8;

let ancestorCache: { ctx: RepoContext; head: string; trees: Tree[] } | undefined;

/** Trees of the first-parent commits before HEAD's, nearest first (read once per HEAD). */
function ancestorTrees(ctx: RepoContext): Tree[] {
  const head = ctx.refs.head().hash;
  if (!head) return [];
  if (ancestorCache?.ctx === ctx && ancestorCache.head === head) return ancestorCache.trees;
  const trees: Tree[] = [];
  let at = ctx.commits.read(head).parents[0];
  while (at && trees.length < ANCESTORS) {
    const c = ctx.commits.read(at);
    trees.push(c.tree);
    at = c.parents[0];
  }
  ancestorCache = { ctx, head, trees };
  return trees;
}

export async function referenceCandidates(ctx: RepoContext, path: string, name: string, t: Tensor, parent: Tree, similarity: SimilarityIndex, staged: Tree = {}): Promise<ReferenceCandidate[]> {
  const fits = (r: TensorRecord): boolean => r.dtype === t.dtype && elementCount(r.shape) === elementCount(t.shape) && ctx.objects.has(r.hash);
  const hashes: { hash: string; source: string }[] = [];
  const own = parent[path]?.tensors.find((r) => r.name === name);
  if (own && fits(own)) hashes.push({ hash: own.hash, source: 'parent' });
  if (hashes.length === 0) {
    for (const file of Object.values(parent)) {
      const r = file.tensors.find((x) => x.name === name && fits(x));
      if (r) {
        hashes.push({ hash: r.hash, source: 'parent' });
        break;
      }
    }
  }
  if (hashes.length === 0) {
    for (const tree of ancestorTrees(ctx)) {
      const r = tree[path]?.tensors.find((x) => x.name === name && fits(x));
      if (r) {
        hashes.push({ hash: r.hash, source: 'parent' });
        break;
      }
    }
  }
  // Tensors up to WHOLE_ONLY_BYTES get no sketch (wantsSketch): nothing of their size to look up.
  if (hashes.length === 0 && t.data.length > WHOLE_ONLY_BYTES) {
    for (const hash of similarity.nearest(t, 2, 20, (h) => ctx.objects.has(h))) hashes.push({ hash, source: 'similar' });
  }
  for (const precision of ['wider', 'narrower'] as const) {
    const copy = copyInPrecision(ctx, path, name, t, [staged, parent], precision) ?? copyInPrecision(ctx, path, name, t, ancestorTrees(ctx), precision);
    if (copy) hashes.push({ hash: copy.hash, source: 'cast' });
  }
  const out: ReferenceCandidate[] = [];
  for (const { hash, source } of hashes) {
    const info = ctx.objects.info(hash) as ObjectInfo;
    // Peeked: encodeTensor keeps nothing of a reference, and the tensor is only dropped (its memory
    // recycled) after the file's last encode has settled (add).
    out.push({ hash, tensor: await ctx.objects.peek(hash), depth: info.depth, source });
  }
  return out;
}

/**
 * A stored copy of `t` in another float precision, same element count: 'wider' (t may be its
 * narrowing cast: a bf16 or f16 copy of an f32 checkpoint, an f32 copy of an f64 one) or 'narrower'
 * (an f32 file added after its bf16 copy). Looked up in the staging index (files added before) and
 * the parent commit, preferring the same file path and name, then the same name in any file, then
 * the same shape (a copy saved under other names). Whether it pays is the delta types' to say
 * (`supports`, `worthTrying`) and the trials' to measure.
 */
function copyInPrecision(ctx: RepoContext, path: string, name: string, t: Tensor, trees: readonly Tree[], precision: 'wider' | 'narrower'): TensorRecord | undefined {
  if (!isFloatDType(t.dtype)) return undefined;
  const count = elementCount(t.shape);
  const width = DTYPE_BYTES[t.dtype];
  const fits = (r: TensorRecord): boolean =>
    isFloatDType(r.dtype) &&
    (precision === 'wider' ? DTYPE_BYTES[r.dtype] > width : DTYPE_BYTES[r.dtype] < width) &&
    elementCount(r.shape) === count &&
    ctx.objects.has(r.hash);
  const sameShape = (r: TensorRecord): boolean => r.shape.length === t.shape.length && r.shape.every((s, k) => s === t.shape[k]);
  for (const tree of trees) {
    const own = tree[path]?.tensors.find((r) => r.name === name && fits(r));
    if (own) return own;
  }
  for (const match of [(r: TensorRecord) => r.name === name, sameShape]) {
    for (const tree of trees) {
      for (const file of Object.values(tree)) {
        const r = file.tensors.find((x) => match(x) && fits(x));
        if (r) return r;
      }
    }
  }
  return undefined;
}
