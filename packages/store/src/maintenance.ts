import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { streamFile } from './checkout.js';
import { wantsSketch } from './encoding-policy.js';
import type { CommitQuality, Tree } from './model.js';
import type { EncodedObject, ObjectInfo } from './objects.js';
import type { RepoContext } from './repo-context.js';
import { ancestors } from './revisions.js';
import { printable, unsafePathReason } from './safe-path.js';
import { SimilarityIndex } from './similarity.js';
import { ZERO_REFERENCE } from './zero-reference.js';
import { Work, progressOf } from './work-progress.js';

/** Maintenance: gc (remove what nothing reaches), fsck (verify everything). Stats: src/stats.ts. */

export interface GcResult {
  readonly packsRemoved: number;
  readonly packsRewritten: number;
  /** Small packs whose objects gc copied into fewer, larger ones (then removed). */
  readonly packsMerged: number;
  readonly objectsRemoved: number;
  /** Shared PQ codebooks no live object uses any more. */
  readonly codebooksRemoved: number;
  readonly commitsRemoved: number;
  readonly filesRemoved: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

export interface FsckResult {
  readonly commits: number;
  readonly objects: number;
  readonly problems: string[];
  /** Leftovers of interrupted writes: harmless, removed by gc. */
  readonly garbage: string[];
  /** Derived files fsck wrote anew because they were missing or unreadable (the similarity index). */
  readonly rebuilt: string[];
}

/** Objects the similarity index covers: tensors that files hold (not cluster centroids) that the encoding policy sketches. */
function indexable(ctx: RepoContext, info: ObjectInfo): boolean {
  const referenceDType = info.reference ? ctx.objects.info(info.reference)?.dtype : undefined;
  return !info.kind && info.rawBytes > 0 && wantsSketch(info.rawBytes, info.dtype, referenceDType);
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    n += entry.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/**
 * Keeps the similarity index in step with the objects after gc: drops removed objects, and
 * rebuilds it from the stored tensors when it is missing, unreadable or of an older layout.
 */
export async function maintainSimilarity(ctx: RepoContext): Promise<void> {
  const similarity = new SimilarityIndex(ctx.similarityPath());
  if (similarity.loaded) similarity.retain((h) => ctx.objects.has(h));
  else for (const info of ctx.objects.all()) if (indexable(ctx, info)) similarity.add(info.hash, await ctx.objects.get(info.hash));
  similarity.save();
}

export function reachableCommits(ctx: RepoContext): Set<string> {
  const roots = [...ctx.refs.list('heads'), ...ctx.refs.list('tags')].map((r) => r.hash);
  const head = ctx.refs.head().hash;
  if (head) roots.push(head);
  const out = new Set<string>();
  for (const r of roots) if (ctx.commits.has(r)) for (const h of ancestors(ctx, r)) out.add(h);
  return out;
}

export function liveObjects(ctx: RepoContext, commits: Iterable<string>): Set<string> {
  const live = new Set<string>();
  const trees = [...[...commits].map((h) => ctx.commits.read(h).tree), ctx.index()];
  const stack: string[] = [];
  for (const tree of trees) for (const f of Object.values(tree)) for (const t of f.tensors) stack.push(t.hash);
  while (stack.length > 0) {
    const h = stack.pop() as string;
    if (live.has(h)) continue;
    live.add(h);
    const ref = ctx.objects.info(h)?.reference;
    if (ref && ref !== ZERO_REFERENCE) stack.push(ref);
  }
  return live;
}

/**
 * Packs below this size are merged by gc. Every `add` writes one pack, so a history of small commits
 * leaves many: each costs its manifest's parse whenever a repository is opened, an HDF5 file open
 * when it is read, and the HDF5 file's own overhead (superblock, groups, heaps: a few KB).
 */
export const SMALL_PACK_BYTES = 1 << 20;
/** Small packs are merged into packs of up to this size (what gc holds in memory at once). */
const MERGED_PACK_BYTES = 16 << 20;

interface SmallPack {
  readonly pack: string;
  readonly bytes: number;
  readonly infos: readonly ObjectInfo[];
  readonly books: readonly string[];
}

/**
 * Copies the objects and codebooks of small packs into merged ones (each complete and listed
 * before anything is retired) and adds the merged-away packs to `retire`; returns their count.
 * A pack alone in its batch is left as it is.
 */
async function mergeSmallPacks(ctx: RepoContext, small: readonly SmallPack[], retire: string[]): Promise<number> {
  const batches: SmallPack[][] = [];
  let batch: SmallPack[] = [];
  let bytes = 0;
  for (const p of small) {
    if (batch.length > 0 && bytes + p.bytes > MERGED_PACK_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(p);
    bytes += p.bytes;
  }
  batches.push(batch);
  let merged = 0;
  const toMerge = batches.filter((x) => x.length > 1);
  const work = new Work(progressOf(ctx.registry), 'gc: merging small packs', toMerge.flat().reduce((n, p) => n + p.bytes, 0));
  try {
    for (const b of toMerge) {
      const copies: EncodedObject[] = [];
      for (const p of b) for (const info of p.infos) copies.push(await ctx.objects.readEncoded(info.hash));
      const books = [];
      for (const p of b) for (const hash of p.books) books.push(await ctx.objects.readCodebook(hash));
      await ctx.objects.writePack(copies, ctx.onProgress, true, books);
      retire.push(...b.map((p) => p.pack));
      merged += b.length;
      work.advance(b.reduce((n, p) => n + p.bytes, 0));
    }
  } finally {
    work.finish();
  }
  return merged;
}

/**
 * Removes what no branch, tag, HEAD or the staging index reaches: whole packs when nothing in them
 * lives, rewritten packs when part does, unreachable commits, and leftovers of interrupted
 * writes; merges packs under SMALL_PACK_BYTES. New packs are complete before old ones go, so a
 * crash mid-gc loses nothing.
 */
export async function gc(ctx: RepoContext): Promise<GcResult> {
  const release = ctx.lock();
  try {
    const bytesBefore = dirBytes(ctx.dir);
    const reachable = reachableCommits(ctx);
    const live = liveObjects(ctx, reachable);
    const packsDir = ctx.objects.dir;
    let packsRemoved = 0;
    let packsRewritten = 0;
    let objectsRemoved = 0;
    let codebooksRemoved = 0;
    let filesRemoved = 0;
    const liveBooks = new Set<string>();
    for (const h of live) {
      const book = ctx.objects.info(h)?.codebook;
      if (book) liveBooks.add(book);
    }
    const booksByPack = new Map<string, string[]>();
    for (const { info, pack } of ctx.objects.codebooks()) booksByPack.set(pack, [...(booksByPack.get(pack) ?? []), info.hash]);
    const byPack = new Map<string, ObjectInfo[]>();
    for (const info of ctx.objects.all()) {
      const pack = ctx.objects.packOf(info.hash) as string;
      byPack.set(pack, [...(byPack.get(pack) ?? []), info]);
    }
    const retire: string[] = [];
    const small: SmallPack[] = [];
    const packs = ctx.objects.listFiles().packs;
    const work = new Work(progressOf(ctx.registry), 'gc: checking packs', packs.length, 'items');
    for (const pack of packs) {
      work.advance(1);
      const infos = byPack.get(pack) ?? [];
      const keep = infos.filter((i) => live.has(i.hash));
      // Codebooks live while a live object uses them, wherever that object is stored.
      const books = booksByPack.get(pack) ?? [];
      const keepBooks = books.filter((b) => liveBooks.has(b));
      // A pack whose manifest lists more than it wins holds copies superseded by `cluster apply`.
      const intact = keep.length === infos.length && keepBooks.length === books.length && infos.length + books.length > 0;
      if (intact && ctx.objects.listedCount(pack) === infos.length) {
        // A pack of inline objects only (manifest format 2) has no HDF5 file: its manifest is its size.
        const size = statSync(join(packsDir, `${pack}.h5`), { throwIfNoEntry: false })?.size ?? statSync(join(packsDir, `${pack}.json`)).size;
        if (size < SMALL_PACK_BYTES) small.push({ pack, bytes: size, infos, books });
        continue;
      }
      objectsRemoved += infos.length - keep.length;
      codebooksRemoved += books.length - keepBooks.length;
      if (keep.length > 0 || keepBooks.length > 0) {
        const copies: EncodedObject[] = [];
        for (const info of keep) copies.push(await ctx.objects.readEncoded(info.hash));
        const bookCopies = [];
        for (const b of keepBooks) bookCopies.push(await ctx.objects.readCodebook(b));
        await ctx.objects.writePack(copies, ctx.onProgress, true, bookCopies);
        packsRewritten++;
      } else packsRemoved++;
      retire.push(pack);
    }
    work.finish();
    const packsMerged = await mergeSmallPacks(ctx, small, retire);
    // Unreachable commits go before the packs holding their objects: a gc killed in between leaves
    // unlisted objects (garbage for the next gc), never a commit whose tensors are gone.
    let commitsRemoved = 0;
    for (const h of ctx.commits.list()) {
      if (reachable.has(h)) continue;
      ctx.commits.remove(h);
      commitsRemoved++;
    }
    if (commitsRemoved > 0) ctx.onProgress?.('commits-removed');
    ctx.objects.close();
    for (const pack of retire) {
      rmSync(join(packsDir, `${pack}.json`), { force: true }); // unlist first: a listed pack must exist
      ctx.onProgress?.('manifest-retired');
      rmSync(join(packsDir, `${pack}.h5`), { force: true });
      ctx.onProgress?.('pack-retired');
    }
    const listed = new Set(ctx.objects.listFiles().packs);
    for (const f of readdirSync(packsDir)) {
      const stem = f.replace(/\.(h5|json)$/, '');
      if (f.includes('.tmp-') || (f.endsWith('.h5') && !listed.has(stem))) {
        rmSync(join(packsDir, f), { force: true });
        filesRemoved++;
      }
    }
    for (const dir of [ctx.dir, ctx.commits.dir, join(ctx.dir, 'refs', 'heads'), join(ctx.dir, 'refs', 'tags')]) {
      for (const f of readdirSync(dir)) {
        if (!f.includes('.tmp-')) continue;
        rmSync(join(dir, f), { force: true });
        filesRemoved++;
      }
    }
    ctx.objects.reload();
    await maintainSimilarity(ctx);
    return { packsRemoved, packsRewritten, packsMerged, objectsRemoved, codebooksRemoved, commitsRemoved, filesRemoved, bytesBefore, bytesAfter: dirBytes(ctx.dir) };
  } finally {
    release();
  }
}

/** Re-hashes every commit and every object (decoding delta chains) and checks refs and files. */
export async function fsck(ctx: RepoContext): Promise<FsckResult> {
  const problems: string[] = [];
  const garbage: string[] = [];
  const commits = ctx.commits.list();
  // What no ref reaches is garbage for gc; with unreadable refs, everything counts as reachable.
  let reachable: Set<string> | undefined;
  try {
    reachable = reachableCommits(ctx);
  } catch {
    reachable = undefined;
  }
  const trees: { where: string; tree: Tree; quality?: CommitQuality; unreachable?: boolean }[] = [];
  for (const h of commits) {
    try {
      const c = ctx.commits.read(h);
      for (const p of c.parents) if (!ctx.commits.has(p)) problems.push(`commit ${h.slice(0, 12)}: parent ${p.slice(0, 12)} is missing`);
      trees.push({ where: `commit ${h.slice(0, 12)}`, tree: c.tree, quality: c.quality, unreachable: reachable !== undefined && !reachable.has(h) });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  for (const kind of ['heads', 'tags'] as const) {
    try {
      for (const r of ctx.refs.list(kind)) if (!ctx.commits.has(r.hash)) problems.push(`${kind}/${r.name} points at missing commit ${r.hash.slice(0, 12)}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  try {
    const head = ctx.refs.head();
    if (head.hash && !ctx.commits.has(head.hash)) problems.push(`HEAD points at missing commit ${head.hash.slice(0, 12)}`);
    trees.push({ where: 'staging index', tree: ctx.index() });
  } catch (err) {
    problems.push((err as Error).message);
  }
  ctx.objects.clearCache();
  // Progress in bytes: every object decoded, then every distinct file rebuilt.
  const fileBytes = new Map<string, number>();
  for (const { tree } of trees) for (const f of Object.values(tree)) fileBytes.set(f.sha256, f.size);
  const objectBytes = ctx.objects.all().reduce((n, info) => n + info.rawBytes, 0);
  const work = new Work(progressOf(ctx.registry), 'fsck', objectBytes + [...fileBytes.values()].reduce((a, b) => a + b, 0));
  try {
    return await fsckContent(ctx, trees, problems, garbage, commits.length, work);
  } finally {
    work.finish();
  }
}

/** fsck's second half: decodes every object and rebuilds every file, reporting the bytes done. */
async function fsckContent(
  ctx: RepoContext,
  trees: readonly { where: string; tree: Tree; quality?: CommitQuality; unreachable?: boolean }[],
  problems: string[],
  garbage: string[],
  commitCount: number,
  work: Work,
): Promise<FsckResult> {
  let objects = 0;
  // Every tensor is decoded here anyway: a missing similarity index is rebuilt on the way.
  const similarity = new SimilarityIndex(ctx.similarityPath());
  for (const info of ctx.objects.all()) {
    objects++;
    work.advance(info.rawBytes);
    try {
      const tensor = await ctx.objects.get(info.hash, true);
      if (!similarity.loaded && indexable(ctx, info)) similarity.add(info.hash, tensor);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const rebuilt: string[] = [];
  if (!similarity.loaded) {
    try {
      const release = ctx.lock(); // a writer holding the lock rewrites the index itself
      try {
        similarity.save();
        rebuilt.push(`similarity index (${similarity.size} tensors)`);
      } finally {
        release();
      }
    } catch (err) {
      problems.push(`similarity index is missing or unreadable and could not be rebuilt now: ${(err as Error).message}`);
    }
  }
  for (const { info } of ctx.objects.codebooks()) {
    try {
      await ctx.objects.readCodebook(info.hash);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  for (const { where, quality } of trees) {
    for (const book of quality?.codebooks ?? []) if (!ctx.objects.hasCodebook(book)) problems.push(`${where}: PQ codebook ${book.slice(0, 12)} is missing from the repository`);
  }
  const checkedFiles = new Set<string>();
  for (const { where, tree, unreachable } of trees) {
    for (const [path, file] of Object.entries(tree)) {
      const unsafe = unsafePathReason(path);
      if (unsafe) problems.push(`${where}: tracks the unsafe path ${JSON.stringify(printable(path))} (${unsafe}); checkout refuses it`);
      const missing = file.tensors.filter((t) => !ctx.objects.has(t.hash));
      if (missing.length > 0) {
        const what = `${where}: ${printable(path)} needs ${missing.length} missing tensor(s), e.g. ${printable(missing[0].name)}`;
        // An unreachable commit whose objects a gc already removed (older versions removed the
        // objects first): nothing can reach it, and the next gc removes it.
        if (unreachable) garbage.push(`${what} (unreachable; gc removes it)`);
        else problems.push(what);
        continue;
      }
      if (checkedFiles.has(file.sha256)) continue;
      checkedFiles.add(file.sha256);
      try {
        await streamFile(ctx, path, file, undefined, work); // tensor by tensor, checked against the recorded sha256
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`);
      }
    }
  }
  const { packs, files } = ctx.objects.listFiles();
  const listed = new Set(packs);
  for (const f of files) {
    if (f.includes('.tmp-') || (f.endsWith('.h5') && !listed.has(f.slice(0, -3)))) garbage.push(`packs/${f}`);
  }
  // Copies a newer pack supersedes (cluster apply) are dead weight until gc rewrites their pack.
  const winners = new Map<string, number>();
  for (const info of ctx.objects.all()) {
    const pack = ctx.objects.packOf(info.hash) as string;
    winners.set(pack, (winners.get(pack) ?? 0) + 1);
  }
  for (const pack of packs) {
    const superseded = ctx.objects.listedCount(pack) - (winners.get(pack) ?? 0);
    if (superseded > 0) garbage.push(`packs/${pack}.h5 (${superseded} superseded object(s))`);
  }
  return { commits: commitCount, objects, problems, garbage, rebuilt };
}
