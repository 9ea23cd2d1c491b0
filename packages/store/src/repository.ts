import { DTYPE_BYTES, ReefError, assertTensor, elementCount, isFloatDType, type Registry, type Tensor } from '@reef/core';
import { float64ToTensor, returnScratch, toFloat64 } from '@reef/codecs';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { addDeltaTypes, encodeTensor, releaseEncoded, type ReferenceCandidate } from './encode.js';
import { FileSource, assemble, parseNpz, safetensorsHeader, scanModelFile, writeNpz, writeSafetensors, type FileFormat, type NamedTensor, type Segment } from './formats/index.js';
import { atomicWrite, readJson, tempPath } from './fsutil.js';
import { sha256, sha256File, tensorHash } from './hash.js';
import { CommitStore, RefStore, assertRefName } from './history.js';
import { acquireLock } from './lock.js';
import type { Commit, CommitQuality, FileRecord, LayoutPart, TensorRecord, Tree } from './model.js';
import { ObjectStore, type EncodedObject, type ObjectInfo } from './objects.js';
import type { PackWriter } from './pack-writer.js';
import { chooseWithinBound, assertQualityBound, type LossyItem, type QualityBound } from './quality.js';
import { ZERO_REFERENCE, zeroTensor } from './zero-reference.js';
import { SimilarityIndex } from './similarity.js';

export const REPO_DIR = '.reef';

/** Stored codebooks a lossy commit tries to reuse (the newest ones), each one more encoding per tensor. */
const REUSED_CODEBOOKS = 4;

export interface RepositoryOptions {
  /**
   * Registry holding the delta types (the host registers them: the CLI the discovered plugins, a
   * library user at least the lossless ones of the delta-lossless plugin). Required: the store registers none.
   */
  readonly registry: Registry;
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
}

export interface AddedFile {
  readonly path: string;
  readonly format: FileFormat;
  readonly bytes: number;
  readonly tensors: number;
  /** Tensors already stored (identical content), written zero bytes. */
  readonly reused: number;
  /** New tensors by encoding ('whole', 'xor-planes', ...). */
  readonly encodings: Record<string, number>;
  readonly storedBytes: number;
}

export type Change = 'added' | 'modified' | 'removed';

export interface Status {
  readonly branch?: string;
  readonly head?: string;
  readonly staged: { path: string; change: Change }[];
  readonly unstaged: { path: string; change: 'modified' | 'deleted' }[];
}

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

export interface GcResult {
  readonly packsRemoved: number;
  readonly packsRewritten: number;
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

export interface Stats {
  readonly commits: number;
  readonly objects: number;
  /** Every file version in every commit, counted once per distinct content. */
  readonly bytesAdded: number;
  /** Everything under .reef. */
  readonly bytesOnDisk: number;
  /** Per encoding; lossy ones add the largest relative L2 error among their objects. */
  readonly byEncoding: Record<string, { objects: number; rawBytes: number; storedBytes: number; maxRelL2?: number }>;
  /** Shared PQ codebooks (/pq_codebooks): count and bytes, part of bytesOnDisk. */
  readonly codebooks: { count: number; bytes: number };
}

/**
 * Tensors of one file encoded at the same time during add: two, or more while those in flight
 * hold at most PIPELINE_BYTES together, so the small tensors after a large one are read, hashed
 * and encoded while its planes deflate on the thread pool (memory: two large tensors, or 4 MiB).
 */
const PIPELINE_DEPTH = 2;
const PIPELINE_BYTES = 4 * 1024 * 1024;
/** Tensors below this are encoded after larger ones in flight have handed their deflates to the pool. */
const DEFER_BELOW_BYTES = 256 * 1024;

/** Objects the similarity index covers: tensors that files hold (not cluster centroids), non-empty. */
function indexable(info: ObjectInfo): boolean {
  return !info.kind && info.rawBytes > 0;
}

/** Writes all of `data` at the file position (writeSync may write less than asked). */
function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    n += entry.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

function toLayout(segments: readonly Segment[]): LayoutPart[] {
  return segments.map((s) => ('literal' in s ? { literal: Buffer.from(s.literal).toString('base64') } : { tensor: s.tensor }));
}

function fromLayout(layout: readonly LayoutPart[]): Segment[] {
  return layout.map((p) => ('literal' in p ? { literal: new Uint8Array(Buffer.from(p.literal, 'base64')) } : { tensor: p.tensor }));
}

/** Whether the file at `abs` is the recorded one, or the file a lossy commit was made from. */
function matchesRecord(abs: string, file: FileRecord): boolean {
  const size = statSync(abs).size;
  if (size !== file.size && size !== file.source?.size) return false;
  const hash = sha256File(abs);
  return hash === file.sha256 || hash === file.source?.sha256;
}

function sameFile(a: FileRecord | undefined, b: FileRecord | undefined): boolean {
  return a?.sha256 === b?.sha256;
}

function sameTensors(a: FileRecord, b: FileRecord): boolean {
  return a.format === b.format && a.tensors.length === b.tensors.length &&
    a.tensors.every((t, i) => t.name === b.tensors[i].name && t.dtype === b.tensors[i].dtype && JSON.stringify(t.shape) === JSON.stringify(b.tensors[i].shape));
}

/**
 * A weight repository: tracked model files (safetensors, .npy, .npz) whose tensors are stored
 * content-addressed in HDF5 packs, with git-like commits, branches and tags.
 */
export class Repository {
  readonly objects: ObjectStore;
  readonly commits: CommitStore;
  readonly refs: RefStore;
  private readonly dir: string;
  /** The delta types this repository encodes and decodes with (the host's). */
  readonly registry: Registry;
  private readonly maxDepth: number;
  private readonly onProgress?: (stage: string) => void;
  private readonly codebookDeltasAtAdd: boolean;
  /**
   * The similarity index as this instance last published it, with the file's identity then: the
   * next `add` reuses it instead of reading and parsing the file again while the file is unchanged.
   * Every writer replaces the file by rename (a new inode), so another process's write is seen.
   */
  private similarityKept?: { index: SimilarityIndex; ino: bigint; size: bigint; mtimeNs: bigint };

  private constructor(readonly root: string, options: RepositoryOptions) {
    this.dir = join(root, REPO_DIR);
    if (typeof options?.registry?.deltaTypes !== 'function') {
      throw new ReefError('INVALID_PARAM', 'RepositoryOptions.registry is required: pass a Registry with the delta types to use (at least the lossless ones: xor-planes, float-diff, sparse from the delta-lossless plugin)');
    }
    this.registry = options.registry;
    this.maxDepth = options.maxDepth ?? 24;
    this.onProgress = options.onProgress;
    this.codebookDeltasAtAdd = options.codebookDeltasAtAdd ?? false;
    this.objects = new ObjectStore(join(this.dir, 'packs'), this.registry, options.cacheBytes);
    this.commits = new CommitStore(join(this.dir, 'commits'));
    this.refs = new RefStore(this.dir);
  }

  /** Creates a repository in `dir` (refusing to re-initialise one). */
  static init(dir: string, options: RepositoryOptions): Repository {
    const root = resolve(dir);
    if (existsSync(join(root, REPO_DIR, 'HEAD'))) throw new ReefError('INVALID_PARAM', `${root} is already a reef repository`);
    mkdirSync(join(root, REPO_DIR), { recursive: true });
    const repo = new Repository(root, options);
    repo.refs.setHead({ branch: 'main' });
    return repo;
  }

  /** Opens the repository containing `dir` (searching parent folders, like git). */
  static open(dir: string, options: RepositoryOptions): Repository {
    for (let d = resolve(dir); ; d = dirname(d)) {
      if (existsSync(join(d, REPO_DIR, 'HEAD'))) return new Repository(d, options);
      if (dirname(d) === d) throw new ReefError('BAD_FILE', `${resolve(dir)} is not inside a reef repository (run reef init)`);
    }
  }

  close(): void {
    this.objects.close();
  }

  private lock(): () => void {
    return acquireLock(join(this.dir, 'lock'));
  }

  // ---- revisions -------------------------------------------------------------------------

  /** Resolves HEAD, a branch, a tag, a full or unique short hash, optionally followed by ~N. */
  resolve(rev: string): string {
    const m = /^(.*?)(?:~(\d+))?$/.exec(rev.trim());
    const base = m?.[1] ?? rev;
    let hash: string | undefined;
    if (base === 'HEAD') {
      hash = this.refs.head().hash;
      if (!hash) throw new ReefError('INVALID_PARAM', 'HEAD has no commits yet');
    } else {
      hash = this.refs.get('heads', base) ?? this.refs.get('tags', base);
      if (!hash && /^[0-9a-f]{4,64}$/.test(base)) {
        const matches = this.commits.list().filter((h) => h.startsWith(base));
        if (matches.length > 1) throw new ReefError('INVALID_PARAM', `revision '${base}' is ambiguous: ${matches.map((h) => h.slice(0, 12)).join(', ')}`);
        hash = matches[0];
      }
    }
    if (!hash) throw new ReefError('INVALID_PARAM', `unknown revision '${rev}': not a branch, tag or commit hash`);
    let current: string = hash;
    for (let k = Number(m?.[2] ?? 0); k > 0; k--) {
      const parent: string | undefined = this.commits.read(current).parents[0];
      if (!parent) throw new ReefError('INVALID_PARAM', `revision '${rev}' goes past the first commit`);
      current = parent;
    }
    return current;
  }

  commitAt(rev: string): Commit {
    return this.commits.read(this.resolve(rev));
  }

  private headTree(): Tree {
    const { hash } = this.refs.head();
    return hash ? this.commits.read(hash).tree : {};
  }

  private indexPath(): string {
    return join(this.dir, 'index.json');
  }

  /** The staged tree: what the next commit will hold. */
  index(): Tree {
    return existsSync(this.indexPath()) ? readJson<{ files: Tree }>(this.indexPath(), 'staging index').files : this.headTree();
  }

  private writeIndex(tree: Tree): void {
    atomicWrite(this.indexPath(), JSON.stringify({ files: tree }));
  }

  // ---- add / commit ----------------------------------------------------------------------

  private async candidatesFor(path: string, name: string, t: Tensor, parent: Tree, similarity: SimilarityIndex): Promise<ReferenceCandidate[]> {
    const fits = (r: TensorRecord): boolean => r.dtype === t.dtype && elementCount(r.shape) === elementCount(t.shape) && this.objects.has(r.hash);
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
      for (const hash of similarity.nearest(t, 2, 20, (h) => this.objects.has(h))) hashes.push({ hash, source: 'similar' });
    }
    const out: ReferenceCandidate[] = [];
    for (const { hash, source } of hashes) {
      const info = this.objects.info(hash) as ObjectInfo;
      // Peeked: encodeTensor keeps nothing of a reference, and the tensor is only dropped (its memory
      // recycled) after the file's last encode has settled (add).
      out.push({ hash, tensor: await this.objects.peek(hash), depth: info.depth, source });
    }
    return out;
  }

  /**
   * Stages model files: parses them, stores every tensor not stored yet (choosing, by measuring,
   * between whole storage and a delta against its namesake in the parent commit or a similar
   * tensor) as one new immutable pack, then records the files in the staging index.
   */
  async add(paths: readonly string[], options: { as?: string; cwd?: string } = {}): Promise<AddedFile[]> {
    if (paths.length === 0) throw new ReefError('INVALID_PARAM', 'nothing to add: name at least one file');
    if (options.as && paths.length !== 1) throw new ReefError('INVALID_PARAM', '--as needs exactly one file');
    const release = this.lock();
    try {
      const tree = { ...this.index() };
      const parent = this.headTree();
      const similarity = this.takeSimilarity();
      const reports: AddedFile[] = [];
      // New objects stream into one pack as they are encoded; it is published only after every file.
      const writer = this.objects.beginPack();
      try {
        for (const given of paths) {
          const abs = resolve(options.cwd ?? process.cwd(), given);
          const path = options.as ?? relative(this.root, abs).split(sep).join('/');
          if (path.startsWith('..') || path === '') throw new ReefError('INVALID_PARAM', `${given} is outside the repository at ${this.root}`);
          if (!existsSync(abs)) throw new ReefError('BAD_FILE', `${given}: no such file`);
          const staged = tree[path];
          if (staged?.source && statSync(abs).size === staged.source.size && staged.source.sha256 === sha256File(abs)) {
            // The file a lossy commit was made from: its approximation is already what is staged.
            reports.push({ path, format: staged.format, bytes: staged.source.size, tensors: staged.tensors.length, reused: staged.tensors.length, encodings: {}, storedBytes: 0 });
            continue;
          }
          const source = new FileSource(abs);
          try {
            const added = await this.addFile(given, path, source, parent, similarity, writer);
            tree[path] = added.record;
            reports.push(added.report);
            // The parent's tensors this file replaced were this add's references; the new ones serve
            // the next commit. Dropped from the cache, their memory takes the next file's reads.
            const now = new Set(added.record.tensors.map((t) => t.hash));
            this.objects.forget((parent[path]?.tensors ?? []).map((t) => t.hash).filter((h) => !now.has(h)));
          } finally {
            source.close();
          }
          this.onProgress?.(`parsed ${path}`);
        }
      } catch (err) {
        writer.abort();
        throw err;
      }
      // Pack, manifest and staging index flushed together, then renamed in that order.
      const index = { path: this.indexPath(), data: JSON.stringify({ files: tree }), stage: 'index-written' };
      const publishing = this.objects.publishWith(writer, [index], this.onProgress);
      publishing.catch(() => undefined); // awaited below; the similarity file is written meanwhile
      // Derived (rebuilt by gc and fsck when unreadable, so not flushed): written while the pack
      // flushes, renamed after what it describes.
      let similarityFile: ReturnType<SimilarityIndex['saveLater']>;
      try {
        similarityFile = similarity.saveLater();
      } catch (err) {
        await publishing; // as before: the pack and index are published, then the add reports the failure
        throw err;
      }
      let published: string | undefined;
      try {
        published = await publishing;
      } catch (err) {
        similarityFile?.discard();
        throw err;
      }
      if (!published) {
        this.writeIndex(tree);
        this.onProgress?.('index-written');
      }
      similarityFile?.publish();
      this.keepSimilarity(similarity);
      return reports;
    } finally {
      release();
    }
  }

  /**
   * Adds one model file, streamed: headers are parsed and checked first, then each tensor is read
   * by its byte range, hashed (and fed to the file's sha256 in file order), encoded if new and
   * written to the pack before the next one is read. Memory holds one tensor at a time (plus its
   * reference), never the whole file.
   */
  private async addFile(
    given: string,
    path: string,
    source: FileSource,
    parent: Tree,
    similarity: SimilarityIndex,
    writer: PackWriter,
  ): Promise<{ record: FileRecord; report: AddedFile }> {
    const scanned = scanModelFile(given, source);
    const deltaTypes = addDeltaTypes(this.registry.deltaTypes(), this.codebookDeltasAtAdd);
    const records: TensorRecord[] = new Array<TensorRecord>(scanned.entries.length);
    const encodings: Record<string, number> = {};
    let reused = 0;
    let storedBytes = 0;
    const stage = async (index: number, data: Uint8Array): Promise<void> => {
      const { name, dtype, shape } = scanned.entries[index];
      const tensor: Tensor = { dtype, shape: [...shape], data };
      assertTensor(tensor, `${given}: tensor '${name}'`);
      const hash = tensorHash(tensor);
      records[index] = { name, hash, dtype, shape: [...shape] };
      if (this.objects.has(hash) || writer.has(hash) || encoding.has(hash)) {
        reused++;
        returnScratch(data); // hashed and not kept: nothing else holds what FileSource read
        return;
      }
      encoding.add(hash);
      // Small tensors wait for the next turn of the event loop: a large one in flight first runs its
      // trials and plane split (all on this thread) up to its deflates on the thread pool, and the
      // small ones are encoded while those run, instead of delaying them.
      if (data.length < DEFER_BELOW_BYTES) await new Promise<void>((resolve) => setImmediate(resolve));
      const candidates = await this.candidatesFor(path, name, tensor, parent, similarity);
      const encoded = await encodeTensor(hash, tensor, candidates, deltaTypes, this.maxDepth);
      await writer.add(encoded);
      releaseEncoded(encoded); // copied into the pack: its memory serves the next tensors
      similarity.add(hash, tensor);
      this.objects.remember(hash, tensor, true); // the store's now: nothing here keeps it after this

      encodings[encoded.info.encoding] = (encodings[encoded.info.encoding] ?? 0) + 1;
      storedBytes += encoded.info.storedBytes;
    };
    // Two tensors in flight: while one's byte planes deflate on the thread pool, the next is read,
    // hashed and split on this thread (both cores busy; memory stays at two tensors).
    const encoding = new Set<string>();
    const inFlight: Promise<void>[] = [];
    const inFlightBytes: number[] = [];
    let heldBytes = 0;
    const pipeline = async (task: Promise<void>, bytes: number): Promise<void> => {
      task.catch(() => undefined); // awaited below, in order; this only marks the rejection as handled
      inFlight.push(task);
      inFlightBytes.push(bytes);
      heldBytes += bytes;
      while (inFlight.length >= PIPELINE_DEPTH && heldBytes > PIPELINE_BYTES) {
        heldBytes -= inFlightBytes.shift() as number;
        await inFlight.shift();
      }
    };
    const fileHash = createHash('sha256');
    let hashed = 0;
    const inLayout = new Set<number>();
    try {
      for (const segment of scanned.segments) {
        const data = 'literal' in segment ? segment.literal : scanned.entries[segment.tensor].load();
        fileHash.update(data);
        hashed += data.length;
        if ('tensor' in segment) {
          inLayout.add(segment.tensor);
          await pipeline(stage(segment.tensor, data), data.length);
        }
      }
      // Tensors of compressed .npz members live inside literal bytes: stored for diff and merge too.
      for (let i = 0; i < scanned.entries.length; i++) if (!inLayout.has(i)) {
        const data = scanned.entries[i].load();
        await pipeline(stage(i, data), data.length);
      }
    } finally {
      await Promise.allSettled(inFlight);
    }
    for (const task of inFlight) await task;
    if (hashed !== source.size) throw new ReefError('BAD_FILE', `${given}: its parts cover ${hashed} of ${source.size} bytes (changed while being added?)`);
    const record: FileRecord = { format: scanned.format, size: source.size, sha256: fileHash.digest('hex'), tensors: records, layout: toLayout(scanned.segments) };
    return { record, report: { path, format: scanned.format, bytes: source.size, tensors: records.length, reused, encodings, storedBytes } };
  }

  /** The index kept by the last `add` when the file is still the one it wrote, else read anew. */
  private takeSimilarity(): SimilarityIndex {
    const kept = this.similarityKept;
    this.similarityKept = undefined; // an add that fails leaves its index unlike the file: never kept
    const now = statSync(this.similarityPath(), { bigint: true, throwIfNoEntry: false });
    if (kept && now && now.ino === kept.ino && now.size === kept.size && now.mtimeNs === kept.mtimeNs) return kept.index;
    return new SimilarityIndex(this.similarityPath());
  }

  private keepSimilarity(index: SimilarityIndex): void {
    if (index.pending) return; // not saved (nothing changed and no usable file): read anew next time
    const st = statSync(this.similarityPath(), { bigint: true, throwIfNoEntry: false });
    if (st) this.similarityKept = { index, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs };
  }

  private similarityPath(): string {
    return join(this.dir, 'similarity.json');
  }

  /**
   * Keeps the similarity index in step with the objects after gc: drops removed objects, and
   * rebuilds it from the stored tensors when it is missing, unreadable or of an older layout.
   */
  private async maintainSimilarity(): Promise<void> {
    const similarity = new SimilarityIndex(this.similarityPath());
    if (similarity.loaded) similarity.retain((h) => this.objects.has(h));
    else for (const info of this.objects.all()) if (indexable(info)) similarity.add(info.hash, await this.objects.get(info.hash));
    similarity.save();
  }

  /** Removes a file from the staging index (the next commit no longer tracks it). */
  remove(path: string): void {
    const release = this.lock();
    try {
      const tree = { ...this.index() };
      if (!tree[path]) throw new ReefError('INVALID_PARAM', `${path} is not tracked`);
      delete tree[path];
      this.writeIndex(tree);
    } finally {
      release();
    }
  }

  status(): Status {
    const head = this.refs.head();
    const headTree = head.hash ? this.commits.read(head.hash).tree : {};
    const index = this.index();
    const staged: Status['staged'] = [];
    for (const path of new Set([...Object.keys(headTree), ...Object.keys(index)])) {
      if (!headTree[path]) staged.push({ path, change: 'added' });
      else if (!index[path]) staged.push({ path, change: 'removed' });
      else if (!sameFile(headTree[path], index[path])) staged.push({ path, change: 'modified' });
    }
    const unstaged: Status['unstaged'] = [];
    for (const [path, file] of Object.entries(index)) {
      const abs = join(this.root, path);
      if (!existsSync(abs)) unstaged.push({ path, change: 'deleted' });
      else if (!matchesRecord(abs, file)) unstaged.push({ path, change: 'modified' });
    }
    return { branch: head.branch, head: head.hash, staged: staged.sort((a, b) => a.path.localeCompare(b.path)), unstaged };
  }

  /** Records the staged tree as a new commit and moves the current branch to it. */
  commit(message: string): Commit {
    if (!message.trim()) throw new ReefError('INVALID_PARAM', 'a commit needs a message (-m)');
    const release = this.lock();
    try {
      const head = this.refs.head();
      const tree = this.index();
      const headTree = head.hash ? this.commits.read(head.hash).tree : {};
      if (JSON.stringify(tree) === JSON.stringify(headTree) || (Object.keys(tree).length === 0 && !head.hash)) {
        throw new ReefError('INVALID_PARAM', 'nothing to commit: stage files with reef add first');
      }
      for (const file of Object.values(tree)) {
        for (const t of file.tensors) if (!this.objects.has(t.hash)) throw new ReefError('BAD_FILE', `staged tensor ${t.name} (${t.hash.slice(0, 12)}) is missing; add the file again`);
      }
      return this.writeCommit({ parents: head.hash ? [head.hash] : [], message, time: new Date().toISOString(), tree });
    } finally {
      release();
    }
  }

  /**
   * Commits the staged tree, storing each float tensor it introduces as the smallest encoding whose
   * measured relative L2 error is within `bound.maxRelError`: a lossy delta (against its reference,
   * or against all zeros, ZERO_REFERENCE, when it has none) when one is within the bound and
   * smaller than the lossless encoding `add` stored, else lossless.
   * Lossy tensors are recorded by the hash of their decoded bytes (what checkout gives), the files
   * holding them by the sha256 of the rebuilt file, with the added file as `source`; the errors go
   * into the commit's `quality`. The lossless copies add wrote become garbage for `reef gc`.
   */
  async commitLossy(message: string, bound: QualityBound): Promise<{ commit: Commit; quality: CommitQuality }> {
    if (!message.trim()) throw new ReefError('INVALID_PARAM', 'a commit needs a message (-m)');
    assertQualityBound(bound);
    const release = this.lock();
    try {
      const head = this.refs.head();
      const tree = this.index();
      const headTree = head.hash ? this.commits.read(head.hash).tree : {};
      if (JSON.stringify(tree) === JSON.stringify(headTree) || (Object.keys(tree).length === 0 && !head.hash)) {
        throw new ReefError('INVALID_PARAM', 'nothing to commit: stage files with reef add first');
      }
      const committed = new Set<string>();
      for (const h of this.commits.list()) for (const f of Object.values(this.commits.read(h).tree)) for (const t of f.tensors) committed.add(t.hash);
      const similarity = new SimilarityIndex(this.similarityPath());
      const items: LossyItem[] = [];
      const unreferenced: Omit<LossyItem, 'candidate'>[] = [];
      const seen = new Set<string>();
      for (const [path, file] of Object.entries(tree)) {
        for (const r of file.tensors) {
          const info = this.objects.info(r.hash);
          if (!info) throw new ReefError('BAD_FILE', `staged tensor ${r.name} (${r.hash.slice(0, 12)}) is missing; add the file again`);
          // Only what this commit introduces; a tensor already committed keeps its encoding.
          if (committed.has(r.hash) || seen.has(r.hash) || !isFloatDType(r.dtype) || info.error) continue;
          seen.add(r.hash);
          const tensor = await this.objects.get(r.hash);
          const candidate = (await this.candidatesFor(path, r.name, tensor, headTree, similarity)).find((c) => c.depth < this.maxDepth && c.hash !== r.hash);
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
      for (const { info } of this.objects.codebooks().slice(-REUSED_CODEBOOKS)) existing.push(await this.objects.readCodebook(info.hash));
      const choices = await chooseWithinBound(items, this.registry.deltaTypes(), bound, existing);
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
        this.pending.set(info.hash, c.decoded);
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
        const rebuilt = await this.rebuildRecord(path, file, records);
        committedTree[path] = { ...rebuilt, source: file.source ?? { sha256: file.sha256, size: file.size } };
      }
      await this.objects.writePack(objects, this.onProgress, false, [...books.values()]);
      for (const o of objects) this.objects.remember(o.info.hash, this.pending.get(o.info.hash) as Tensor);
      this.pending.clear();
      const commit = this.writeCommit({ parents: head.hash ? [head.hash] : [], message, time: new Date().toISOString(), tree: committedTree, quality });
      this.writeIndex(committedTree);
      return { commit, quality };
    } finally {
      this.pending.clear();
      release();
    }
  }

  private writeCommit(record: Omit<Commit, 'hash'>): Commit {
    const hash = this.commits.write(record);
    this.onProgress?.('commit-written');
    this.refs.advanceHead(hash);
    this.onProgress?.('ref-updated');
    return { hash, ...record };
  }

  // ---- history ---------------------------------------------------------------------------

  /** Commits reachable from `rev`, newest first. */
  log(rev = 'HEAD', limit = Infinity): Commit[] {
    if (rev === 'HEAD' && !this.refs.head().hash) return [];
    const seen = new Set<string>();
    const out: Commit[] = [];
    const queue = [this.resolve(rev)];
    while (queue.length > 0) {
      const hash = queue.shift() as string;
      if (seen.has(hash)) continue;
      seen.add(hash);
      const c = this.commits.read(hash);
      out.push(c);
      queue.push(...c.parents);
    }
    return out.sort((a, b) => b.time.localeCompare(a.time)).slice(0, limit);
  }

  show(rev: string): Commit {
    return this.commitAt(rev);
  }

  private ancestors(hash: string): Set<string> {
    const seen = new Set<string>();
    const stack = [hash];
    while (stack.length > 0) {
      const h = stack.pop() as string;
      if (seen.has(h)) continue;
      seen.add(h);
      stack.push(...this.commits.read(h).parents);
    }
    return seen;
  }

  /** Per tensor: added, removed or changed between two revisions, with the L2 norm of the change. */
  async diff(fromRev: string, toRev: string): Promise<TensorDiff[]> {
    const a = this.commitAt(fromRev).tree;
    const b = this.commitAt(toRev).tree;
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
          const x = toFloat64(await this.objects.get(old.hash));
          const y = toFloat64(await this.objects.get(r.hash));
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

  // ---- files out -------------------------------------------------------------------------

  /** Rebuilds a tracked file byte for byte in memory, checking it against the sha256 recorded at add. */
  async fileBytes(path: string, file: FileRecord): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    await this.streamFile(path, file, (data) => parts.push(data));
    return assemble(parts.map((literal) => ({ literal })), []);
  }

  /**
   * Produces a tracked file's bytes in order, one decoded tensor at a time, and checks size and
   * sha256 against what was recorded at add; `sink` (if any) sees every part before the check.
   */
  private async streamFile(path: string, file: FileRecord, sink?: (data: Uint8Array) => void): Promise<void> {
    const hash = createHash('sha256');
    let size = 0;
    for (const segment of fromLayout(file.layout)) {
      const data = 'literal' in segment ? segment.literal : (await this.objects.get(file.tensors[segment.tensor].hash)).data;
      hash.update(data);
      size += data.length;
      sink?.(data);
    }
    if (size !== file.size || hash.digest('hex') !== file.sha256) {
      throw new ReefError('BAD_FILE', `rebuilt ${path} does not match the file that was added (repository corrupt; run reef fsck)`);
    }
  }

  /**
   * Writes a tracked file to `target` streamed, through a temporary file that is flushed and renamed
   * only once its size and sha256 match: a damaged repository never leaves a wrong file in place.
   */
  private async writeFile(path: string, file: FileRecord, target: string): Promise<void> {
    const tmp = tempPath(target);
    const fd = openSync(tmp, 'wx');
    try {
      await this.streamFile(path, file, (data) => writeAll(fd, data));
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, target);
  }

  private async writeWorkingTree(target: Tree, previous: Tree): Promise<void> {
    for (const path of Object.keys(previous)) if (!target[path]) rmSync(join(this.root, path), { force: true });
    for (const [path, file] of Object.entries(target)) {
      const abs = join(this.root, path);
      if (existsSync(abs) && statSync(abs).size === file.size && sha256File(abs) === file.sha256) continue;
      mkdirSync(dirname(abs), { recursive: true });
      await this.writeFile(path, file, abs);
    }
  }

  /** Switches the working files and HEAD to `rev` (a branch stays attached, anything else detaches). */
  async checkout(rev: string, options: { force?: boolean } = {}): Promise<Commit> {
    const release = this.lock();
    try {
      const hash = this.resolve(rev);
      const target = this.commits.read(hash);
      if (!options.force) {
        const s = this.status();
        if (s.staged.length > 0 || s.unstaged.length > 0) {
          const list = [...s.staged.map((x) => `${x.change} ${x.path}`), ...s.unstaged.map((x) => `${x.change} ${x.path}`)].join(', ');
          throw new ReefError('INVALID_PARAM', `uncommitted changes would be lost (${list}); commit them or use --force`);
        }
      }
      await this.writeWorkingTree(target.tree, this.index());
      if (this.refs.get('heads', rev)) this.refs.setHead({ branch: rev });
      else this.refs.setHead({ hash });
      this.writeIndex(target.tree);
      return target;
    } finally {
      release();
    }
  }

  /**
   * Exports a revision as one file. A single tracked file of the requested format (or the one named
   * by `path`) comes out byte-identical to what was added; otherwise the tensors are written fresh.
   */
  async export(rev: string, options: { format: 'safetensors' | 'npz'; path?: string }): Promise<{ bytes: Uint8Array; verbatim: boolean }> {
    const plan = this.exportPlan(rev, options);
    if (plan.verbatim) return { bytes: await this.fileBytes(plan.verbatim.path, plan.verbatim.file), verbatim: true };
    const tensors: NamedTensor[] = [];
    for (const t of plan.tensors) tensors.push({ name: t.name, tensor: await this.objects.get(t.hash) });
    return { bytes: options.format === 'safetensors' ? writeSafetensors(tensors) : writeNpz(tensors), verbatim: false };
  }

  /**
   * `export` into the file `target`, streamed: one decoded tensor in memory at a time. A verbatim
   * export is checked against the recorded sha256 before it is renamed into place; a converted
   * safetensors export is written header first, then tensor by tensor. (Converted .npz exports are
   * built in memory: each zip member's header needs its CRC before its bytes.)
   */
  async exportTo(rev: string, target: string, options: { format: 'safetensors' | 'npz'; path?: string }): Promise<{ bytes: number; verbatim: boolean }> {
    const plan = this.exportPlan(rev, options);
    if (plan.verbatim) {
      await this.writeFile(plan.verbatim.path, plan.verbatim.file, target);
      return { bytes: plan.verbatim.file.size, verbatim: true };
    }
    if (options.format === 'npz') {
      const { bytes } = await this.export(rev, options);
      atomicWrite(target, bytes);
      return { bytes: bytes.length, verbatim: false };
    }
    const sizes = plan.tensors.map((t) => ({ ...t, byteLength: elementCount(t.shape) * DTYPE_BYTES[t.dtype] }));
    const head = safetensorsHeader(sizes);
    const tmp = tempPath(target);
    const fd = openSync(tmp, 'wx');
    try {
      writeAll(fd, head);
      for (const t of sizes) writeAll(fd, (await this.objects.get(t.hash)).data);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, target);
    return { bytes: head.length + sizes.reduce((n, t) => n + t.byteLength, 0), verbatim: false };
  }

  /** What an export writes: one tracked file as added (verbatim), or the named tensors to convert. */
  private exportPlan(rev: string, options: { format: 'safetensors' | 'npz'; path?: string }): { verbatim?: { path: string; file: FileRecord }; tensors: (TensorRecord & { name: string })[] } {
    if (options.format !== 'safetensors' && options.format !== 'npz') throw new ReefError('INVALID_PARAM', `unknown export format '${String(options.format)}': use safetensors or npz`);
    const tree = this.commitAt(rev).tree;
    const paths = options.path ? [options.path] : Object.keys(tree).sort();
    if (options.path && !tree[options.path]) throw new ReefError('INVALID_PARAM', `${options.path} is not tracked in ${rev}; tracked: ${Object.keys(tree).join(', ') || 'none'}`);
    if (paths.length === 0) throw new ReefError('INVALID_PARAM', `${rev} tracks no files`);
    if (paths.length === 1 && tree[paths[0]].format === options.format) return { verbatim: { path: paths[0], file: tree[paths[0]] }, tensors: [] };
    const tensors = paths.flatMap((path) => tree[path].tensors.map((r) => ({ ...r, name: paths.length === 1 ? r.name : `${path}/${r.name}` })));
    return { tensors };
  }

  // ---- branches and tags -----------------------------------------------------------------

  branches(): { name: string; hash: string; current: boolean }[] {
    const current = this.refs.head().branch;
    return this.refs.list('heads').map((b) => ({ ...b, current: b.name === current }));
  }

  createBranch(name: string, rev = 'HEAD'): string {
    assertRefName(name);
    if (this.refs.get('heads', name)) throw new ReefError('INVALID_PARAM', `branch '${name}' already exists`);
    const hash = this.resolve(rev);
    this.refs.set('heads', name, hash);
    return hash;
  }

  deleteBranch(name: string): void {
    if (!this.refs.get('heads', name)) throw new ReefError('INVALID_PARAM', `no branch '${name}'`);
    if (this.refs.head().branch === name) throw new ReefError('INVALID_PARAM', `cannot delete the current branch '${name}'`);
    this.refs.delete('heads', name);
  }

  tags(): { name: string; hash: string }[] {
    return this.refs.list('tags');
  }

  createTag(name: string, rev = 'HEAD'): string {
    assertRefName(name);
    if (this.refs.get('tags', name)) throw new ReefError('INVALID_PARAM', `tag '${name}' already exists`);
    const hash = this.resolve(rev);
    this.refs.set('tags', name, hash);
    return hash;
  }

  deleteTag(name: string): void {
    if (!this.refs.get('tags', name)) throw new ReefError('INVALID_PARAM', `no tag '${name}'`);
    this.refs.delete('tags', name);
  }

  // ---- merge -----------------------------------------------------------------------------

  /**
   * Merges `rev` into the current branch. Fast-forwards when possible; otherwise a three-way merge
   * per tensor against the merge base. Tensors changed on both sides are conflicts, resolved by
   * the strategy (ours, theirs, average, weighted: w*ours + (1-w)*theirs) or listed in an error.
   */
  async merge(rev: string, options: { strategy?: MergeStrategy; weight?: number; message?: string } = {}): Promise<MergeResult> {
    const strategy = options.strategy;
    if (strategy && !['ours', 'theirs', 'average', 'weighted'].includes(strategy)) {
      throw new ReefError('INVALID_PARAM', `unknown merge strategy '${strategy}': use ours, theirs, average or weighted`);
    }
    const weight = strategy === 'weighted' ? (options.weight ?? 0.5) : 0.5;
    if (!(weight >= 0 && weight <= 1)) throw new ReefError('INVALID_PARAM', `merge weight must be in [0, 1], got ${options.weight}`);
    const release = this.lock();
    try {
      const head = this.refs.head();
      const theirs = this.resolve(rev);
      const s = this.status();
      if (s.staged.length > 0) throw new ReefError('INVALID_PARAM', 'commit staged changes before merging');
      if (head.hash && this.ancestors(head.hash).has(theirs)) return { fastForward: false, upToDate: true, conflicts: [] };
      const previous = this.index();
      if (!head.hash || this.ancestors(theirs).has(head.hash)) {
        const target = this.commits.read(theirs);
        await this.writeWorkingTree(target.tree, previous);
        this.refs.advanceHead(theirs);
        this.writeIndex(target.tree);
        return { fastForward: true, upToDate: false, commit: theirs, conflicts: [] };
      }
      const oursAnc = this.ancestors(head.hash);
      const baseHash = this.log(theirs).find((c) => oursAnc.has(c.hash))?.hash;
      const base = baseHash ? this.commits.read(baseHash).tree : {};
      const ours = this.commits.read(head.hash).tree;
      const other = this.commits.read(theirs).tree;
      const { tree, conflicts, unresolved, computed } = await this.mergeTrees(base, ours, other, strategy, weight);
      if (unresolved.length > 0) {
        const list = unresolved.map((c) => (c.tensor ? `${c.path}:${c.tensor}` : c.path)).join(', ');
        throw new ReefError('INVALID_PARAM', `merge conflicts in ${list}; choose --strategy ours, theirs, average or weighted`);
      }
      await this.objects.writePack(computed, this.onProgress);
      const commit = this.writeCommit({
        parents: [head.hash, theirs],
        message: options.message ?? `merge ${rev}${strategy ? ` (${strategy})` : ''}`,
        time: new Date().toISOString(),
        tree,
      });
      await this.writeWorkingTree(tree, previous);
      this.writeIndex(tree);
      return { fastForward: false, upToDate: false, commit: commit.hash, conflicts };
    } finally {
      release();
    }
  }

  private async mergeTrees(base: Tree, ours: Tree, theirs: Tree, strategy: MergeStrategy | undefined, weight: number) {
    const tree: Tree = {};
    const conflicts: MergeConflict[] = [];
    const unresolved: MergeConflict[] = [];
    const computed: EncodedObject[] = [];
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
          const x = toFloat64(await this.objects.get(ot.hash));
          const y = toFloat64(await this.objects.get(tt.hash));
          const mixed = new Float64Array(x.length);
          for (let k = 0; k < x.length; k++) mixed[k] = weight * x[k] + (1 - weight) * y[k];
          const tensor = float64ToTensor(mixed, ot.dtype, ot.shape);
          const hash = tensorHash(tensor);
          if (!this.objects.has(hash) && !computed.some((c) => c.info.hash === hash)) {
            const ref = { hash: ot.hash, tensor: await this.objects.get(ot.hash), depth: this.objects.info(ot.hash)?.depth ?? 0, source: 'parent' };
            const enc = await encodeTensor(hash, tensor, [ref], addDeltaTypes(this.registry.deltaTypes(), this.codebookDeltasAtAdd), this.maxDepth);
            computed.push(enc);
            this.pending.set(hash, tensor);
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
      tree[path] = await this.rebuildRecord(path, o, records);
    }
    this.pending.clear();
    return { tree, conflicts, unresolved, computed };
  }

  /** Merged tensors not yet in a pack, so a rebuilt file can be hashed before the pack is written. */
  private readonly pending = new Map<string, Tensor>();

  /** A file record for `template` with other tensor contents: same layout, new size and hash. */
  private async rebuildRecord(path: string, template: FileRecord, records: TensorRecord[]): Promise<FileRecord> {
    if (records.every((r, i) => r.hash === template.tensors[i].hash)) return template;
    const data: Uint8Array[] = [];
    for (const r of records) data.push((this.pending.get(r.hash) ?? (await this.objects.get(r.hash))).data);
    if (template.format === 'npz') {
      // Zip records carry CRCs of the members: write a fresh archive rather than patch the old one.
      const bytes = writeNpz(records.map((r, i) => ({ name: r.name, tensor: { dtype: r.dtype, shape: r.shape, data: data[i] } })));
      const parsed = parseNpz(bytes, path);
      return { format: 'npz', size: bytes.length, sha256: sha256(bytes), tensors: records, layout: toLayout(parsed.segments) };
    }
    const bytes = assemble(fromLayout(template.layout), data);
    // No `source`: the template's added file (of a lossy commit) is not the file these tensors make.
    return { format: template.format, layout: template.layout, size: bytes.length, sha256: sha256(bytes), tensors: records };
  }

  // ---- maintenance -----------------------------------------------------------------------

  private reachableCommits(): Set<string> {
    const roots = [...this.refs.list('heads'), ...this.refs.list('tags')].map((r) => r.hash);
    const head = this.refs.head().hash;
    if (head) roots.push(head);
    const out = new Set<string>();
    for (const r of roots) if (this.commits.has(r)) for (const h of this.ancestors(r)) out.add(h);
    return out;
  }

  private liveObjects(commits: Iterable<string>): Set<string> {
    const live = new Set<string>();
    const trees = [...[...commits].map((h) => this.commits.read(h).tree), this.index()];
    const stack: string[] = [];
    for (const tree of trees) for (const f of Object.values(tree)) for (const t of f.tensors) stack.push(t.hash);
    while (stack.length > 0) {
      const h = stack.pop() as string;
      if (live.has(h)) continue;
      live.add(h);
      const ref = this.objects.info(h)?.reference;
      if (ref && ref !== ZERO_REFERENCE) stack.push(ref);
    }
    return live;
  }

  /**
   * Removes what no branch, tag, HEAD or the staging index reaches: whole packs when nothing in them
   * lives, rewritten packs when part does, unreachable commits, and leftovers of interrupted
   * writes. New packs are complete before old ones go, so a crash mid-gc loses nothing.
   */
  async gc(): Promise<GcResult> {
    const release = this.lock();
    try {
      const bytesBefore = dirBytes(this.dir);
      const reachable = this.reachableCommits();
      const live = this.liveObjects(reachable);
      const packsDir = this.objects.dir;
      let packsRemoved = 0;
      let packsRewritten = 0;
      let objectsRemoved = 0;
      let codebooksRemoved = 0;
      let filesRemoved = 0;
      const liveBooks = new Set<string>();
      for (const h of live) {
        const book = this.objects.info(h)?.codebook;
        if (book) liveBooks.add(book);
      }
      const booksByPack = new Map<string, string[]>();
      for (const { info, pack } of this.objects.codebooks()) booksByPack.set(pack, [...(booksByPack.get(pack) ?? []), info.hash]);
      const byPack = new Map<string, ObjectInfo[]>();
      for (const info of this.objects.all()) {
        const pack = this.objects.packOf(info.hash) as string;
        byPack.set(pack, [...(byPack.get(pack) ?? []), info]);
      }
      const retire: string[] = [];
      for (const pack of this.objects.listFiles().packs) {
        const infos = byPack.get(pack) ?? [];
        const keep = infos.filter((i) => live.has(i.hash));
        // Codebooks live while a live object uses them, wherever that object is stored.
        const books = booksByPack.get(pack) ?? [];
        const keepBooks = books.filter((b) => liveBooks.has(b));
        // A pack whose manifest lists more than it wins holds copies superseded by `cluster apply`.
        const intact = keep.length === infos.length && keepBooks.length === books.length && infos.length + books.length > 0;
        if (intact && this.objects.listedCount(pack) === infos.length) continue;
        objectsRemoved += infos.length - keep.length;
        codebooksRemoved += books.length - keepBooks.length;
        if (keep.length > 0 || keepBooks.length > 0) {
          const copies: EncodedObject[] = [];
          for (const info of keep) copies.push(await this.objects.readEncoded(info.hash));
          const bookCopies = [];
          for (const b of keepBooks) bookCopies.push(await this.objects.readCodebook(b));
          await this.objects.writePack(copies, this.onProgress, true, bookCopies);
          packsRewritten++;
        } else packsRemoved++;
        retire.push(pack);
      }
      this.objects.close();
      for (const pack of retire) {
        rmSync(join(packsDir, `${pack}.json`), { force: true }); // unlist first: a listed pack must exist
        this.onProgress?.('manifest-retired');
        rmSync(join(packsDir, `${pack}.h5`), { force: true });
        this.onProgress?.('pack-retired');
      }
      const listed = new Set(this.objects.listFiles().packs);
      for (const f of readdirSync(packsDir)) {
        const stem = f.replace(/\.(h5|json)$/, '');
        if (f.includes('.tmp-') || (f.endsWith('.h5') && !listed.has(stem))) {
          rmSync(join(packsDir, f), { force: true });
          filesRemoved++;
        }
      }
      for (const dir of [this.dir, this.commits.dir, join(this.dir, 'refs', 'heads'), join(this.dir, 'refs', 'tags')]) {
        for (const f of readdirSync(dir)) {
          if (!f.includes('.tmp-')) continue;
          rmSync(join(dir, f), { force: true });
          filesRemoved++;
        }
      }
      let commitsRemoved = 0;
      for (const h of this.commits.list()) {
        if (reachable.has(h)) continue;
        this.commits.remove(h);
        commitsRemoved++;
      }
      this.objects.reload();
      await this.maintainSimilarity();
      return { packsRemoved, packsRewritten, objectsRemoved, codebooksRemoved, commitsRemoved, filesRemoved, bytesBefore, bytesAfter: dirBytes(this.dir) };
    } finally {
      release();
    }
  }

  /** Re-hashes every commit and every object (decoding delta chains) and checks refs and files. */
  async fsck(): Promise<FsckResult> {
    const problems: string[] = [];
    const garbage: string[] = [];
    const commits = this.commits.list();
    const trees: { where: string; tree: Tree; quality?: CommitQuality }[] = [];
    for (const h of commits) {
      try {
        const c = this.commits.read(h);
        for (const p of c.parents) if (!this.commits.has(p)) problems.push(`commit ${h.slice(0, 12)}: parent ${p.slice(0, 12)} is missing`);
        trees.push({ where: `commit ${h.slice(0, 12)}`, tree: c.tree, quality: c.quality });
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    for (const kind of ['heads', 'tags'] as const) {
      try {
        for (const r of this.refs.list(kind)) if (!this.commits.has(r.hash)) problems.push(`${kind}/${r.name} points at missing commit ${r.hash.slice(0, 12)}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    try {
      const head = this.refs.head();
      if (head.hash && !this.commits.has(head.hash)) problems.push(`HEAD points at missing commit ${head.hash.slice(0, 12)}`);
      trees.push({ where: 'staging index', tree: this.index() });
    } catch (err) {
      problems.push((err as Error).message);
    }
    this.objects.clearCache();
    let objects = 0;
    // Every tensor is decoded here anyway: a missing similarity index is rebuilt on the way.
    const similarity = new SimilarityIndex(this.similarityPath());
    for (const info of this.objects.all()) {
      objects++;
      try {
        const tensor = await this.objects.get(info.hash, true);
        if (!similarity.loaded && indexable(info)) similarity.add(info.hash, tensor);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    const rebuilt: string[] = [];
    if (!similarity.loaded) {
      try {
        const release = this.lock(); // a writer holding the lock rewrites the index itself
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
    for (const { info } of this.objects.codebooks()) {
      try {
        await this.objects.readCodebook(info.hash);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    for (const { where, quality } of trees) {
      for (const book of quality?.codebooks ?? []) if (!this.objects.hasCodebook(book)) problems.push(`${where}: PQ codebook ${book.slice(0, 12)} is missing from the repository`);
    }
    const checkedFiles = new Set<string>();
    for (const { where, tree } of trees) {
      for (const [path, file] of Object.entries(tree)) {
        const missing = file.tensors.filter((t) => !this.objects.has(t.hash));
        if (missing.length > 0) {
          problems.push(`${where}: ${path} needs ${missing.length} missing tensor(s), e.g. ${missing[0].name}`);
          continue;
        }
        if (checkedFiles.has(file.sha256)) continue;
        checkedFiles.add(file.sha256);
        try {
          await this.streamFile(path, file); // tensor by tensor, checked against the recorded sha256
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message}`);
        }
      }
    }
    const { packs, files } = this.objects.listFiles();
    const listed = new Set(packs);
    for (const f of files) {
      if (f.includes('.tmp-') || (f.endsWith('.h5') && !listed.has(f.slice(0, -3)))) garbage.push(`packs/${f}`);
    }
    // Copies a newer pack supersedes (cluster apply) are dead weight until gc rewrites their pack.
    const winners = new Map<string, number>();
    for (const info of this.objects.all()) {
      const pack = this.objects.packOf(info.hash) as string;
      winners.set(pack, (winners.get(pack) ?? 0) + 1);
    }
    for (const pack of packs) {
      const superseded = this.objects.listedCount(pack) - (winners.get(pack) ?? 0);
      if (superseded > 0) garbage.push(`packs/${pack}.h5 (${superseded} superseded object(s))`);
    }
    return { commits: commits.length, objects, problems, garbage, rebuilt };
  }

  stats(): Stats {
    const seen = new Set<string>();
    let bytesAdded = 0;
    const commits = this.commits.list();
    for (const h of commits) {
      for (const f of Object.values(this.commits.read(h).tree)) {
        if (seen.has(f.sha256)) continue;
        seen.add(f.sha256);
        bytesAdded += f.size;
      }
    }
    const byEncoding: Stats['byEncoding'] = {};
    const all = this.objects.all();
    for (const o of all) {
      const e = (byEncoding[o.kind ?? o.encoding] ??= { objects: 0, rawBytes: 0, storedBytes: 0 }); // centroids apart
      e.objects++;
      e.rawBytes += o.rawBytes;
      e.storedBytes += o.storedBytes;
      if (o.error) e.maxRelL2 = Math.max(e.maxRelL2 ?? 0, o.error.relL2);
    }
    const books = this.objects.codebooks();
    const codebooks = { count: books.length, bytes: books.reduce((s, b) => s + b.info.bytes, 0) };
    return { commits: commits.length, objects: all.length, bytesAdded, bytesOnDisk: dirBytes(this.dir), byEncoding, codebooks };
  }
}
