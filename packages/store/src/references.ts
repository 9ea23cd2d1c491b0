import { elementCount, type Tensor } from '@reef/core';
import type { ReferenceCandidate } from './encoding-policy.js';
import type { Tree, TensorRecord } from './model.js';
import type { ObjectInfo } from './objects.js';
import type { RepoContext } from './repo-context.js';
import type { SimilarityIndex } from './similarity.js';

/** Which stored tensors a new tensor may be encoded against: its namesake in the parent commit, else similar ones. */

export async function referenceCandidates(ctx: RepoContext, path: string, name: string, t: Tensor, parent: Tree, similarity: SimilarityIndex): Promise<ReferenceCandidate[]> {
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
    for (const hash of similarity.nearest(t, 2, 20, (h) => ctx.objects.has(h))) hashes.push({ hash, source: 'similar' });
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
