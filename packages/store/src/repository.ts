import { ReefError } from '@reef/core/errors';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { branches, createBranch, createTag, deleteBranch, deleteTag, tags } from './branches.js';
import { checkout, exportRevision, exportTo, fileBytes } from './checkout.js';
import { commit, commitFiles } from './commit.js';
import { diff, type TensorDiff } from './diff.js';
import type { DeltaTypeSource } from './delta-type-source.js';
import type { ExportOutcome } from './export-loss.js';
import type { CommitStore, RefStore } from './history.js';
import { commitLossy } from './lossy-commit.js';
import { fsck, gc, type FsckResult, type GcResult } from './maintenance.js';
import { stats, type Stats } from './stats.js';
import { breakLock, type UnlockResult } from './lock.js';
import { merge, type MergeResult, type MergeStrategy } from './merge.js';
import type { Commit, CommitQuality, FileRecord, Tree } from './model.js';
import type { ObjectStore } from './objects.js';
import type { QualityBound } from './quality.js';
import { REPO_DIR, RepoContext, assertRegistryGiven, type RepositoryOptions } from './repo-context.js';
import { commitAt, log, resolveRevision } from './revisions.js';
import { add, status, unstage, type AddedFile, type Status } from './staging.js';

export { REPO_DIR, type RepositoryOptions } from './repo-context.js';
export type { DeltaTypeSource } from './delta-type-source.js';
export type { AddedFile, Change, Status } from './staging.js';
export type { TensorDiff } from './diff.js';
export type { MergeConflict, MergeResult, MergeStrategy } from './merge.js';
export type { FsckResult, GcResult } from './maintenance.js';
export type { Stats, StatsBreakdown } from './stats.js';
export type { LockOwner, OwnerState, UnlockResult } from './lock.js';

/**
 * A weight repository: tracked model files (safetensors, .npy, .npz) whose tensors are stored
 * content-addressed in HDF5 packs, with git-like commits, branches and tags. A facade: each job
 * lives in its own module (staging, commit, lossy-commit, checkout, branches, merge, maintenance),
 * and which delta types are tried and chosen is decided in encoding-policy.ts alone.
 */
export class Repository {
  readonly objects: ObjectStore;
  readonly commits: CommitStore;
  readonly refs: RefStore;
  /** The delta types this repository encodes and decodes with (the host's). */
  readonly registry: DeltaTypeSource;
  private readonly ctx: RepoContext;

  private constructor(readonly root: string, options: RepositoryOptions) {
    this.ctx = new RepoContext(root, options);
    this.objects = this.ctx.objects;
    this.commits = this.ctx.commits;
    this.refs = this.ctx.refs;
    this.registry = this.ctx.registry;
  }

  /** Creates a repository in `dir` (refusing to re-initialise one). */
  static init(dir: string, options: RepositoryOptions): Repository {
    assertRegistryGiven(options);
    const root = resolve(dir);
    if (existsSync(join(root, REPO_DIR, 'HEAD'))) throw new ReefError('REPOSITORY', `${root} is already a reef repository`);
    mkdirSync(join(root, REPO_DIR), { recursive: true });
    const repo = new Repository(root, options);
    repo.refs.setHead({ branch: 'main' });
    return repo;
  }

  /** Opens the repository containing `dir` (searching parent folders, like git). */
  static open(dir: string, options: RepositoryOptions): Repository {
    for (let d = resolve(dir); ; d = dirname(d)) {
      if (existsSync(join(d, REPO_DIR, 'HEAD'))) return new Repository(d, options);
      if (dirname(d) === d) throw new ReefError('REPOSITORY', `${resolve(dir)} is not inside a reef repository (run reef init)`);
    }
  }

  close(): void {
    this.objects.close();
  }

  // ---- revisions and history (revisions.ts, diff.ts) ---------------------------------------

  /** Resolves HEAD, a branch, a tag, a full or unique short hash, optionally followed by ~N. */
  resolve(rev: string): string {
    return resolveRevision(this.ctx, rev);
  }

  commitAt(rev: string): Commit {
    return commitAt(this.ctx, rev);
  }

  /** Commits reachable from `rev`, newest first. */
  log(rev = 'HEAD', limit = Infinity): Commit[] {
    return log(this.ctx, rev, limit);
  }

  show(rev: string): Commit {
    return commitAt(this.ctx, rev);
  }

  /** Per tensor: added, removed or changed between two revisions, with the L2 norm of the change. */
  diff(fromRev: string, toRev: string): Promise<TensorDiff[]> {
    return diff(this.ctx, fromRev, toRev);
  }

  // ---- staging (staging.ts) ------------------------------------------------------------------

  /** The staged tree: what the next commit will hold. */
  index(): Tree {
    return this.ctx.index();
  }

  /** Stages model files, storing every tensor not stored yet (see staging.ts). */
  add(paths: readonly string[], options: { as?: string; cwd?: string } = {}): Promise<AddedFile[]> {
    return add(this.ctx, paths, options);
  }

  /** Removes a file from the staging index (the next commit no longer tracks it). */
  remove(path: string): void {
    unstage(this.ctx, path);
  }

  status(): Status {
    return status(this.ctx);
  }

  // ---- commits (commit.ts, lossy-commit.ts) --------------------------------------------------

  /**
   * Records this writer's staged changes as a new commit and moves the current branch to it;
   * changes staged by other writers still running stay staged (`allWriters` takes them too; see
   * writer.ts for who is the same writer).
   */
  commit(message: string, options: { allWriters?: boolean } = {}): Commit {
    return commit(this.ctx, message, options);
  }

  /**
   * Adds `paths` and commits HEAD's tree plus exactly those files, under one lock: safe for
   * writers running at the same time (another process's staged files stay staged, see commit.ts).
   */
  commitFiles(message: string, paths: readonly string[], options: { as?: string; cwd?: string } = {}): Promise<Commit> {
    return commitFiles(this.ctx, message, paths, options);
  }

  /** Commits the staged tree with new float tensors stored lossily within `bound` where that is smaller (see lossy-commit.ts). */
  commitLossy(message: string, bound: QualityBound, options: { allWriters?: boolean } = {}): Promise<{ commit: Commit; quality: CommitQuality }> {
    return commitLossy(this.ctx, message, bound, options);
  }

  // ---- files out (checkout.ts) ---------------------------------------------------------------

  /** Rebuilds a tracked file byte for byte in memory, checking it against the sha256 recorded at add. */
  fileBytes(path: string, file: FileRecord): Promise<Uint8Array> {
    return fileBytes(this.ctx, path, file);
  }

  /** Switches the working files and HEAD to `rev` (a branch stays attached, anything else detaches). */
  checkout(rev: string, options: { force?: boolean } = {}): Promise<Commit> {
    return checkout(this.ctx, rev, options);
  }

  /** Exports a revision as one file, byte-identical to what was added where it can be (see checkout.ts). */
  export(rev: string, options: { format: 'safetensors' | 'npz'; path?: string }): Promise<{ bytes: Uint8Array; verbatim: boolean }> {
    return exportRevision(this.ctx, rev, options);
  }

  /** `export` into the file `target`, streamed (see checkout.ts). */
  exportTo(rev: string, target: string, options: { format: 'safetensors' | 'npz'; path?: string }): Promise<ExportOutcome> {
    return exportTo(this.ctx, rev, target, options);
  }

  // ---- branches and tags (branches.ts) -------------------------------------------------------

  branches(): { name: string; hash: string; current: boolean }[] {
    return branches(this.ctx);
  }

  createBranch(name: string, rev = 'HEAD'): string {
    return createBranch(this.ctx, name, rev);
  }

  deleteBranch(name: string): void {
    deleteBranch(this.ctx, name);
  }

  tags(): { name: string; hash: string }[] {
    return tags(this.ctx);
  }

  createTag(name: string, rev = 'HEAD'): string {
    return createTag(this.ctx, name, rev);
  }

  deleteTag(name: string): void {
    deleteTag(this.ctx, name);
  }

  // ---- merge (merge.ts) ----------------------------------------------------------------------

  /** Merges `rev` into the current branch: fast-forward, or a three-way merge per tensor (see merge.ts). */
  merge(rev: string, options: { strategy?: MergeStrategy; weight?: number; message?: string } = {}): Promise<MergeResult> {
    return merge(this.ctx, rev, options);
  }

  // ---- maintenance (maintenance.ts) ----------------------------------------------------------

  /** Removes what no branch, tag, HEAD or the staging index reaches (see maintenance.ts). */
  gc(): Promise<GcResult> {
    return gc(this.ctx);
  }

  /** Re-hashes every commit and every object (decoding delta chains) and checks refs and files. */
  fsck(): Promise<FsckResult> {
    return fsck(this.ctx);
  }

  stats(): Stats {
    return stats(this.ctx);
  }

  /**
   * Removes a lock left by a writer that is provably gone (same host, pid gone or reused); with
   * `force`, also one from another host or an unreadable one. A live local writer's lock stays.
   */
  unlock(options: { force?: boolean } = {}): UnlockResult {
    return breakLock(this.ctx.lockPath(), options);
  }
}
