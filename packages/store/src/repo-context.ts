import { ReefError } from '@reef/core/errors';
import type { DeltaTypePlugin } from '@reef/core';
import type { DeltaTypeSource } from './delta-type-source.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { deltaTypesFor } from './encoding-policy.js';
import { atomicWrite, readJson } from './fsutil.js';
import { COMMIT_FORMAT, CommitStore, RefStore } from './history.js';
import { acquireLock } from './lock.js';
import type { Commit, Tree } from './model.js';
import { ObjectStore } from './objects.js';
import { LatestTensors } from './latest-tensors.js';
import { REPO_DIR } from './repo-dir.js';
import type { SimilarityIndex } from './similarity.js';
import { currentWriter, parseStamp, type WriterStamp } from './writer.js';

export { REPO_DIR };

/** The store registers no delta types of its own: a host that passes none gets this, before anything is written. */
export function assertRegistryGiven(options: Partial<RepositoryOptions> | undefined): void {
  if (typeof options?.registry?.deltaTypes !== 'function') {
    throw new ReefError('INVALID_PARAM', 'RepositoryOptions.registry is required: pass a Registry with the delta types to use (at least the lossless ones: xor-planes, float-diff, sparse from the delta-lossless plugin)');
  }
}

export interface RepositoryOptions {
  /**
   * Registry holding the delta types (the host registers them: the CLI the discovered plugins, a
   * library user at least the lossless ones of the delta-lossless plugin). Required: the store registers none.
   */
  readonly registry: DeltaTypeSource;
  /** Longest delta chain allowed before a tensor is stored against a shallower reference or whole. */
  readonly maxDepth?: number;
  /**
   * Bytes of decoded tensors kept in memory between operations (default 256 MiB), so the next
   * commit's deltas need not decode their references again; 0 keeps memory to one tensor at a time.
   */
  readonly cacheBytes?: number;
  /** Called at the steps of a write (for progress output and the crash test). */
  readonly onProgress?: (stage: string) => void;
  /**
   * Whether `add` (and merge) also try lossless delta types with a trainable codebook (pq-lossless).
   * Off by default: they train k-means per tensor at every add (measured: 150–230 ms on a 128 KiB
   * sample of a 1.6 MB layer, and larger than xor-planes there); lossy commits use them anyway.
   */
  readonly codebookDeltasAtAdd?: boolean;
  /**
   * This writer's name for the staging rule (the CLI passes `REEF_WRITER`): a plain commit then
   * takes only the changes staged under the same name. Unset, the writer is this process and its
   * ancestors (see writer.ts).
   */
  readonly writer?: string;
}

/** The staging index as stored: the staged tree, and who staged each change against HEAD. */
export interface Staging {
  readonly files: Tree;
  readonly stagedBy: Record<string, WriterStamp>;
}

/**
 * What every repository operation works on: the stores under `.reef`, the options, the lock, the
 * staging index and how a commit is written. The job modules (staging, commit, lossy-commit,
 * checkout, branches, merge, maintenance) are functions of it; `Repository` is their facade.
 */
export class RepoContext {
  readonly dir: string;
  readonly objects: ObjectStore;
  /** Raw copies of the tensors each file had at its latest add (a cache: see latest-tensors.ts). */
  readonly latest: LatestTensors;
  readonly commits: CommitStore;
  readonly refs: RefStore;
  readonly registry: DeltaTypeSource;
  readonly maxDepth: number;
  readonly onProgress?: (stage: string) => void;
  readonly codebookDeltasAtAdd: boolean;
  readonly writerName?: string;
  /**
   * The similarity index as this repository last published it, with the file's identity then: the
   * next `add` reuses it instead of reading and parsing the file again while the file is unchanged.
   * Every writer replaces the file by rename (a new inode), so another process's write is seen.
   */
  similarityKept?: { index: SimilarityIndex; ino: bigint; size: bigint; mtimeNs: bigint };

  constructor(readonly root: string, options: RepositoryOptions) {
    this.dir = join(root, REPO_DIR);
    assertRegistryGiven(options);
    this.registry = options.registry;
    this.maxDepth = options.maxDepth ?? 24;
    this.onProgress = options.onProgress;
    this.codebookDeltasAtAdd = options.codebookDeltasAtAdd ?? false;
    this.writerName = options.writer || undefined;
    this.latest = new LatestTensors(join(this.dir, 'cache', 'latest'));
    this.objects = new ObjectStore(join(this.dir, 'packs'), this.registry, options.cacheBytes, this.latest);
    this.commits = new CommitStore(join(this.dir, 'commits'));
    this.refs = new RefStore(this.dir);
  }

  /** The repository's write lock; call the returned function to release it. */
  lock(): () => void {
    const release = acquireLock(this.lockPath());
    this.onProgress?.('locked');
    return release;
  }

  lockPath(): string {
    return join(this.dir, 'lock');
  }

  /** The delta types `add` and merge try (the encoding policy's 'add' purpose). */
  addTypes(): DeltaTypePlugin[] {
    return deltaTypesFor('add', this.registry.deltaTypes(), { codebookDeltasAtAdd: this.codebookDeltasAtAdd });
  }

  headTree(): Tree {
    const { hash } = this.refs.head();
    return hash ? this.commits.read(hash).tree : {};
  }

  indexPath(): string {
    return join(this.dir, 'index.json');
  }

  /** The staged tree: HEAD's tree with every writer's staged changes. */
  index(): Tree {
    return this.staging().files;
  }

  /**
   * The staged tree and who staged each change. `stagedBy` is optional on disk (older versions
   * wrote `{ files }` alone, and read only `files`): an unstamped change is anybody's.
   */
  staging(): Staging {
    if (!existsSync(this.indexPath())) return { files: this.headTree(), stagedBy: {} };
    const raw = readJson<{ files: Tree; stagedBy?: Record<string, unknown> }>(this.indexPath(), 'staging index');
    const stagedBy: Record<string, WriterStamp> = {};
    for (const [path, value] of Object.entries(raw.stagedBy ?? {})) {
      const stamp = parseStamp(value);
      if (stamp) stagedBy[path] = stamp;
    }
    return { files: raw.files, stagedBy };
  }

  /** The staging index's bytes: stamps kept only for paths that differ from `head` (the rest are committed). */
  indexData(tree: Tree, stagedBy: Record<string, WriterStamp> = {}, head: Tree = this.headTree()): string {
    const kept: Record<string, WriterStamp> = {};
    for (const [path, stamp] of Object.entries(stagedBy)) if (JSON.stringify(tree[path]) !== JSON.stringify(head[path])) kept[path] = stamp;
    return JSON.stringify(Object.keys(kept).length ? { files: tree, stagedBy: kept } : { files: tree });
  }

  /** Replaces the staging index; without `stagedBy` every stamp goes (checkout and merge reset it to a commit). */
  writeIndex(tree: Tree, stagedBy: Record<string, WriterStamp> = {}): void {
    atomicWrite(this.indexPath(), this.indexData(tree, stagedBy));
  }

  /** The writer running now, for stamping and taking staged changes (see writer.ts). */
  writer(): WriterStamp {
    return currentWriter(this.writerName);
  }

  similarityPath(): string {
    return join(this.dir, 'similarity.json');
  }

  /** Writes a commit and moves HEAD (its branch, or HEAD itself when detached) to it. */
  writeCommit(record: Omit<Commit, 'hash'>): Commit {
    const hash = this.commits.write(record);
    this.onProgress?.('commit-written');
    this.refs.advanceHead(hash);
    this.onProgress?.('ref-updated');
    return { hash, ...record, format: COMMIT_FORMAT };
  }
}
