import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from './fsutil.js';
import type { ObjectInfo } from './objects.js';
import { readManifest } from './pack-manifest.js';
import type { RepoContext } from './repo-context.js';

/**
 * `reef stats`: what the repository holds and where its bytes go. Every byte of every file under
 * `.reef` is in exactly one part of `breakdown`, so the parts add up to `bytesOnDisk` by
 * construction; pack overhead is what the pack files hold beyond the payloads their manifests list.
 */
export interface Stats {
  readonly commits: number;
  /** Stored objects: tensors and cluster centroids. */
  readonly objects: number;
  /** Every file version in every commit, counted once per distinct content. */
  readonly bytesAdded: number;
  /** Distinct file versions (by sha256) in all commits: what `bytesAdded` sums. */
  readonly fileVersions: number;
  /** Everything under .reef (the sum of `breakdown`) but the disposable cache. */
  readonly bytesOnDisk: number;
  /** `.reef/cache`: raw copies of the latest added tensors (latest-tensors.ts), safe to delete; not in bytesOnDisk. */
  readonly cacheBytes: number;
  /**
   * Tensors the commits hold. `entries`: one per tensor per file per commit; `distinct`: by content
   * hash, each stored once: `whole + losslessDeltas + lossyDeltas + missing = distinct`.
   */
  readonly tensors: {
    readonly entries: number;
    readonly distinct: number;
    readonly whole: number;
    readonly losslessDeltas: number;
    readonly lossyDeltas: number;
    /** Committed tensors with no object (fsck reports them). */
    readonly missing: number;
    /** Stored tensors no commit holds but the staging index does: they go into the next commit. */
    readonly staged: number;
    /** Stored tensors nothing holds (replaced by a lossy commit, a reset branch): gc removes them. */
    readonly unreachable: number;
    /** Cluster centroids (`reef cluster apply`): shared references, not tensors of a file. */
    readonly centroids: number;
  };
  /** Per encoding; lossy ones add the largest relative L2 error among their objects. */
  readonly byEncoding: Record<string, { objects: number; rawBytes: number; storedBytes: number; maxRelL2?: number }>;
  /** Shared PQ codebooks (/pq_codebooks): count and bytes, part of bytesOnDisk. */
  readonly codebooks: { count: number; bytes: number };
  /** Where the bytes on disk go; the values add up to bytesOnDisk exactly. */
  readonly breakdown: StatsBreakdown;
}

export interface StatsBreakdown {
  /** Payloads of tensors stored whole (byte planes, deflated). */
  readonly wholeTensors: number;
  readonly losslessDeltas: number;
  readonly lossyDeltas: number;
  readonly centroids: number;
  /** Shared PQ codebooks' arrays. */
  readonly codebooks: number;
  /** Copies a newer pack replaced (cluster apply), still in their old pack until gc rewrites it. */
  readonly superseded: number;
  /** HDF5 structure of the pack files (headers, attributes, chunk indexes) and their JSON manifests. */
  readonly packOverhead: number;
  /** The commit files (trees, messages, quality records). */
  readonly commitMetadata: number;
  /** Everything else under .reef, by top-level name: refs, HEAD, staging index, similarity index, lock. */
  readonly other: Record<string, number>;
}

function fileBytes(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const name of readdirSync(path)) n += fileBytes(join(path, name));
  return n;
}

/** Which part of the breakdown a live object's payload belongs to. */
function partOf(info: ObjectInfo): 'wholeTensors' | 'losslessDeltas' | 'lossyDeltas' | 'centroids' {
  if (info.kind) return 'centroids';
  if (info.encoding === 'whole') return 'wholeTensors';
  return info.error ? 'lossyDeltas' : 'losslessDeltas';
}

export function stats(ctx: RepoContext): Stats {
  const seenFiles = new Set<string>();
  const committed = new Set<string>();
  let bytesAdded = 0;
  let entries = 0;
  const commits = ctx.commits.list();
  for (const h of commits) {
    for (const f of Object.values(ctx.commits.read(h).tree)) {
      entries += f.tensors.length;
      for (const t of f.tensors) committed.add(t.hash);
      if (seenFiles.has(f.sha256)) continue;
      seenFiles.add(f.sha256);
      bytesAdded += f.size;
    }
  }

  const byEncoding: Stats['byEncoding'] = {};
  const all = ctx.objects.all();
  const parts = { wholeTensors: 0, losslessDeltas: 0, lossyDeltas: 0, centroids: 0 };
  const counts = { whole: 0, losslessDeltas: 0, lossyDeltas: 0, missing: 0, staged: 0, unreachable: 0, centroids: 0 };
  const staged = new Set(Object.values(ctx.index()).flatMap((f) => f.tensors.map((t) => t.hash)));
  for (const o of all) {
    const e = (byEncoding[o.kind ?? o.encoding] ??= { objects: 0, rawBytes: 0, storedBytes: 0 }); // centroids apart
    e.objects++;
    e.rawBytes += o.rawBytes;
    e.storedBytes += o.storedBytes;
    if (o.error) e.maxRelL2 = Math.max(e.maxRelL2 ?? 0, o.error.relL2);
    const part = partOf(o);
    parts[part] += o.storedBytes;
    if (part === 'centroids') counts.centroids++;
    else if (!committed.has(o.hash)) counts[staged.has(o.hash) ? 'staged' : 'unreachable']++;
    else if (part === 'wholeTensors') counts.whole++;
    else counts[part]++;
  }
  for (const h of committed) if (!ctx.objects.has(h)) counts.missing++;

  const books = ctx.objects.codebooks();
  const codebookBytes = books.reduce((s, b) => s + b.info.bytes, 0);

  // Packs: file bytes beyond the live payloads, codebooks and superseded copies are overhead.
  const packsDir = ctx.objects.dir;
  let superseded = 0;
  let packFiles = 0;
  for (const name of existsSync(packsDir) ? readdirSync(packsDir) : []) {
    packFiles += fileBytes(join(packsDir, name));
    if (!name.endsWith('.json') || name.includes('.tmp-')) continue;
    const manifest = readManifest(readJson<unknown>(join(packsDir, name), `pack manifest ${name}`), name);
    for (const info of manifest.objects) if (ctx.objects.packOf(info.hash) !== manifest.pack) superseded += info.storedBytes;
  }
  const payloads = parts.wholeTensors + parts.losslessDeltas + parts.lossyDeltas + parts.centroids + codebookBytes + superseded;

  const other: Record<string, number> = {};
  let commitMetadata = 0;
  let cacheBytes = 0;
  for (const name of readdirSync(ctx.dir)) {
    const path = join(ctx.dir, name);
    if (path === packsDir) continue;
    if (name === 'cache') cacheBytes = fileBytes(path);
    else if (name === 'commits') commitMetadata = fileBytes(path);
    else other[name] = fileBytes(path);
  }
  const breakdown: StatsBreakdown = { ...parts, codebooks: codebookBytes, superseded, packOverhead: packFiles - payloads, commitMetadata, other };
  const bytesOnDisk = packFiles + commitMetadata + Object.values(other).reduce((s, n) => s + n, 0);
  return {
    commits: commits.length,
    objects: all.length,
    bytesAdded,
    fileVersions: seenFiles.size,
    bytesOnDisk,
    cacheBytes,
    tensors: { entries, distinct: committed.size, ...counts },
    byEncoding,
    codebooks: { count: books.length, bytes: codebookBytes },
    breakdown,
  };
}
