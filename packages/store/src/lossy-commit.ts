import { ReefError } from '@reef/core/errors';
import { isFloatDType } from '@reef/core/tensor';
import type { Tensor } from '@reef/core';
import { rebuildRecord } from './file-records.js';
import type { Commit, CommitQuality, Tree } from './model.js';
import type { EncodedObject } from './objects.js';
import { chooseWithinBound, assertQualityBound, type LossyItem, type QualityBound } from './quality.js';
import { referenceCandidates } from './references.js';
import type { RepoContext } from './repo-context.js';
import { SimilarityIndex } from './similarity.js';
import { assertSomethingTaken, selectChanges } from './staged-changes.js';
import { ZERO_REFERENCE, zeroTensor } from './zero-reference.js';
import { Work, progressOf } from './work-progress.js';

/** Stored codebooks a lossy commit tries to reuse (the newest ones), each one more encoding per tensor. */
const REUSED_CODEBOOKS = 4;

/**
 * Commits this writer's staged changes (the staging rule of a plain commit), storing each float tensor it introduces as the smallest encoding whose
 * measured relative L2 error is within `bound.maxRelError`: a lossy delta (against its reference,
 * or against all zeros, ZERO_REFERENCE, when it has none) when one is within the bound and
 * smaller than the lossless encoding `add` stored, else lossless.
 * Lossy tensors are recorded by the hash of their decoded bytes (what checkout gives), the files
 * holding them by the sha256 of the rebuilt file, with the added file as `source`; the errors go
 * into the commit's `quality`. The lossless copies add wrote become garbage for `reef gc`.
 */
export async function commitLossy(ctx: RepoContext, message: string, bound: QualityBound, options: { allWriters?: boolean } = {}): Promise<{ commit: Commit; quality: CommitQuality }> {
  if (!message.trim()) throw new ReefError('INVALID_PARAM', 'a commit needs a message (`message`)');
  assertQualityBound(bound);
  const release = ctx.lock();
  // Lossy tensors not yet in a pack, by the hash of their decoded bytes.
  const pending = new Map<string, Tensor>();
  try {
    const head = ctx.refs.head();
    const headTree = head.hash ? ctx.commits.read(head.hash).tree : {};
    // This writer's staged changes (the staging rule, as for a plain commit); the rest stay staged.
    const selection = selectChanges(ctx, headTree, options);
    assertSomethingTaken(selection);
    const { tree } = selection;
    const committed = new Set<string>();
    for (const h of ctx.commits.list()) for (const f of Object.values(ctx.commits.read(h).tree)) for (const t of f.tensors) committed.add(t.hash);
    const similarity = new SimilarityIndex(ctx.similarityPath());
    const items: LossyItem[] = [];
    const unreferenced: Omit<LossyItem, 'candidate'>[] = [];
    const seen = new Set<string>();
    for (const [path, file] of Object.entries(tree)) {
      for (const r of file.tensors) {
        const info = ctx.objects.info(r.hash);
        if (!info) throw new ReefError('REPOSITORY', `staged tensor ${r.name} (${r.hash.slice(0, 12)}) is missing; add the file again`);
        // Only what this commit introduces; a tensor already committed keeps its encoding.
        if (committed.has(r.hash) || seen.has(r.hash) || !isFloatDType(r.dtype) || info.error) continue;
        seen.add(r.hash);
        const tensor = await ctx.objects.get(r.hash);
        const candidate = (await referenceCandidates(ctx, path, r.name, tensor, headTree, similarity)).find((c) => c.depth < ctx.maxDepth && c.hash !== r.hash && c.tensor.dtype === tensor.dtype); // lossy types pair one dtype
        if (candidate) items.push({ path, name: r.name, hash: r.hash, tensor, candidate, losslessBytes: info.storedBytes });
        // An all-zero tensor is its zero reference: nothing to code (and whole storage deflates it away).
        else if (tensor.data.some((b) => b !== 0)) unreferenced.push({ path, name: r.name, hash: r.hash, tensor, losslessBytes: info.storedBytes });
      }
    }
    // No usable reference (first commit, new names): a delta against all zeros, i.e. the tensor
    // itself, so the bound applies there too. One zero buffer serves every such tensor.
    const largest = unreferenced.reduce((m, u) => Math.max(m, u.tensor.data.length), 0);
    const zeros = new Uint8Array(largest);
    for (const u of unreferenced) {
      const candidate = { hash: ZERO_REFERENCE, tensor: zeroTensor(u.tensor.dtype, u.tensor.shape, zeros), depth: 0, source: 'zero' };
      items.push({ ...u, candidate });
    }
    // The most recent stored codebooks are tried again before paying for new ones.
    const existing = [];
    for (const { info } of ctx.objects.codebooks().slice(-REUSED_CODEBOOKS)) existing.push(await ctx.objects.readCodebook(info.hash));
    const work = new Work(progressOf(ctx.registry), 'commit: measuring lossy encodings', items.reduce((n, it) => n + it.tensor.data.length, 0));
    const choices = await chooseWithinBound(items, ctx.registry.deltaTypes(), bound, existing, (bytes) => work.advance(bytes)).finally(() => work.finish());
    const replaced = new Map<string, string>();
    const objects: EncodedObject[] = [];
    const books = new Map<string, NonNullable<(typeof choices)[number]['codebook']>>();
    const quality: CommitQuality = { maxRelError: bound.maxRelError, lossy: [], lossless: [], codebooks: [] };
    for (const c of choices) {
      if (c.fallback) quality.lossless.push(c.fallback);
      if (!c.object || !c.decoded) continue;
      const { info } = c.object;
      replaced.set(c.item.hash, info.hash);
      objects.push(c.object);
      pending.set(info.hash, c.decoded);
      if (c.codebook) books.set(c.codebook.info.hash, c.codebook);
      const error = info.error as { maxAbs: number; relL2: number };
      quality.lossy.push({ path: c.item.path, tensor: c.item.name, original: c.item.hash, stored: info.hash, encoding: info.encoding, reference: info.reference as string, ...error });
    }
    quality.codebooks.push(...books.keys());
    const committedTree: Tree = {};
    for (const [path, file] of Object.entries(tree)) {
      const records = file.tensors.map((r) => ({ ...r, hash: replaced.get(r.hash) ?? r.hash }));
      if (records.every((r, i) => r.hash === file.tensors[i].hash)) {
        committedTree[path] = file;
        continue;
      }
      const rebuilt = await rebuildRecord(ctx, path, file, records, pending);
      committedTree[path] = { ...rebuilt, source: file.source ?? { sha256: file.sha256, size: file.size } };
    }
    await ctx.objects.writePack(objects, ctx.onProgress, false, [...books.values()]);
    for (const o of objects) ctx.objects.remember(o.info.hash, pending.get(o.info.hash) as Tensor);
    pending.clear();
    const commit = ctx.writeCommit({ parents: head.hash ? [head.hash] : [], message, time: new Date().toISOString(), tree: committedTree, quality });
    // The taken changes as committed (lossy files rebuilt); other writers' stay staged with their stamps.
    const index = { ...selection.staging.files };
    for (const path of selection.taken) {
      if (committedTree[path]) index[path] = committedTree[path];
      else delete index[path];
    }
    ctx.writeIndex(index, selection.staging.stagedBy);
    return { commit, quality };
  } finally {
    pending.clear();
    release();
  }
}
