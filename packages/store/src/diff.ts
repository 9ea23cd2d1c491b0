import { elementCount } from '@reef/core/tensor';
import { toFloat64 } from '@reef/codecs';
import type { TensorRecord, Tree } from './model.js';
import type { RepoContext } from './repo-context.js';
import { commitAt } from './revisions.js';
import type { Change } from './staging.js';

export interface TensorDiff {
  readonly path: string;
  readonly tensor: string;
  readonly change: Change;
  readonly dtype?: string;
  readonly shape?: number[];
  /** L2 norm of (new - old), for changed tensors of the same dtype and shape. */
  readonly norm?: number;
  /** norm / ||old||. */
  readonly relative?: number;
}

/** Per tensor: added, removed or changed between two revisions, with the L2 norm of the change. */
export async function diff(ctx: RepoContext, fromRev: string, toRev: string): Promise<TensorDiff[]> {
  const a = commitAt(ctx, fromRev).tree;
  const b = commitAt(ctx, toRev).tree;
  const flatten = (tree: Tree): Map<string, { path: string; r: TensorRecord }> => {
    const m = new Map<string, { path: string; r: TensorRecord }>();
    for (const [path, f] of Object.entries(tree)) for (const r of f.tensors) m.set(`${path}\0${r.name}`, { path, r });
    return m;
  };
  const fa = flatten(a);
  const fb = flatten(b);
  const out: TensorDiff[] = [];
  for (const [key, { path, r }] of fa) if (!fb.has(key)) out.push({ path, tensor: r.name, change: 'removed', dtype: r.dtype, shape: r.shape });
  for (const [key, { path, r }] of fb) {
    const old = fa.get(key)?.r;
    if (!old) out.push({ path, tensor: r.name, change: 'added', dtype: r.dtype, shape: r.shape });
    else if (old.hash !== r.hash) {
      let norm: number | undefined;
      let rel: number | undefined;
      if (old.dtype === r.dtype && elementCount(old.shape) === elementCount(r.shape)) {
        const x = toFloat64(await ctx.objects.get(old.hash));
        const y = toFloat64(await ctx.objects.get(r.hash));
        let d = 0;
        let n = 0;
        for (let i = 0; i < x.length; i++) {
          d += (y[i] - x[i]) ** 2;
          n += x[i] ** 2;
        }
        norm = Math.sqrt(d);
        rel = n > 0 ? norm / Math.sqrt(n) : undefined;
      }
      out.push({ path, tensor: r.name, change: 'modified', dtype: r.dtype, shape: r.shape, norm, relative: rel });
    }
  }
  return out.sort((x, y) => x.path.localeCompare(y.path) || x.tensor.localeCompare(y.tensor));
}
