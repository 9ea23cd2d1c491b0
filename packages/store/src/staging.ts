import { ReefError } from '@reef/core/errors';
import { assertTensor } from '@reef/core/tensor';
import type { Tensor } from '@reef/core';
import { returnScratch } from '@reef/codecs';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { encodeTensor, releaseEncoded, type PreviousChoice } from './encode.js';
import { wantsSketch } from './encoding-policy.js';
import { matchesRecord, sameFile, toLayout } from './file-records.js';
import { FileSource, scanModelFile, type FileFormat } from './formats/index.js';
import { sha256File, tensorHash } from './hash.js';
import type { FileRecord, TensorRecord, Tree } from './model.js';
import type { PackWriter } from './pack-writer.js';
import { INLINE_MAX_BYTES } from './inline-objects.js';
import { filesBytes, wantsPackThread } from './prepare-add.js';
import { referenceCandidates } from './references.js';
import { assertSafePath, printable, unsafePathReason, userPath } from './safe-path.js';
import type { RepoContext } from './repo-context.js';
import { SimilarityIndex } from './similarity.js';
import { Work, progressOf } from './work-progress.js';
import { describeWriter, relation } from './writer.js';

/**
 * Staging: `add` stores new tensors and records files in the staging index, each change stamped
 * with its writer (writer.ts); `remove` and `status`.
 */

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
  /** `writer`: set when another writer that is still running staged the change (a plain commit here leaves it). */
  readonly staged: { path: string; change: Change; writer?: string }[];
  readonly unstaged: { path: string; change: 'modified' | 'deleted' }[];
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


/**
 * Stages model files: parses them, stores every tensor not stored yet (choosing, by measuring,
 * between whole storage and a delta against its namesake in the parent commit or a similar
 * tensor) as one new immutable pack, then records the files in the staging index.
 */
export async function add(ctx: RepoContext, paths: readonly string[], options: { as?: string; cwd?: string; lockHeld?: boolean } = {}): Promise<AddedFile[]> {
  if (paths.length === 0) throw new ReefError('INVALID_PARAM', 'nothing to add: name at least one file');
  if (options.as !== undefined && paths.length !== 1) throw new ReefError('INVALID_PARAM', '`as` needs exactly one file');
  // `lockHeld`: the caller (commitFiles) holds the lock for add and commit together.
  const release = options.lockHeld ? () => undefined : ctx.lock();
  try {
    const staging = ctx.staging();
    const tree = { ...staging.files };
    // Each file this add stages is stamped with its writer (the staging rule, writer.ts).
    const stagedBy = { ...staging.stagedBy };
    const me = ctx.writer();
    const parent = ctx.headTree();
    const similarity = takeSimilarity(ctx);
    const reports: AddedFile[] = [];
    // Progress in bytes read; files that are not there fail below, one line naming them.
    const total = filesBytes(paths, options.cwd ?? process.cwd());
    // New objects stream into one pack as they are encoded; it is published only after every file.
    const writer = ctx.objects.beginPack(ctx.onProgress, { thread: wantsPackThread(total) });
    ctx.latest.begin();
    const work = new Work(progressOf(ctx.registry), 'add', total);
    try {
      for (const given of paths) {
        const abs = resolve(options.cwd ?? process.cwd(), given);
        const path = trackedPath(ctx, given, abs, options.as);
        if (!existsSync(abs)) throw new ReefError('BAD_FILE', `no such file: ${printable(given)}`);
        const staged = tree[path];
        if (staged?.source && statSync(abs).size === staged.source.size && staged.source.sha256 === sha256File(abs)) {
          // The file a lossy commit was made from: its approximation is already what is staged.
          reports.push({ path, format: staged.format, bytes: staged.source.size, tensors: staged.tensors.length, reused: staged.tensors.length, encodings: {}, storedBytes: 0 });
          continue;
        }
        const source = new FileSource(abs);
        try {
          const added = await addFile(ctx, given, path, source, parent, similarity, writer, tree, work);
          tree[path] = added.record;
          stagedBy[path] = me;
          reports.push(added.report);
          // The parent's tensors this file replaced were this add's references; the new ones serve
          // the next commit. Dropped from the cache, their memory takes the next file's reads.
          const now = new Set(added.record.tensors.map((t) => t.hash));
          ctx.objects.forget((parent[path]?.tensors ?? []).map((t) => t.hash).filter((h) => !now.has(h)));
        } finally {
          source.close();
        }
        ctx.onProgress?.(`parsed ${path}`);
      }
    } catch (err) {
      writer.abort();
      throw err;
    } finally {
      work.finish();
    }
    // Pack, manifest and staging index flushed together, then renamed in that order.
    const index = { path: ctx.indexPath(), data: ctx.indexData(tree, stagedBy, parent), stage: 'index-written' };
    const publishing = ctx.objects.publishWith(writer, [index], ctx.onProgress);
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
      ctx.writeIndex(tree, stagedBy);
      ctx.onProgress?.('index-written');
    }
    similarityFile?.publish();
    keepSimilarity(ctx, similarity);
    ctx.latest.keep(Object.fromEntries(reports.map((r) => [r.path, tree[r.path].tensors.map((t) => t.hash)])));
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
export async function addFile(ctx: RepoContext, 
  given: string,
  path: string,
  source: FileSource,
  parent: Tree,
  similarity: SimilarityIndex,
  writer: PackWriter,
  /** The staging index so far: a float file's wider copy added before it may be its cast reference. */
  staged: Tree = {},
  /** Told the bytes read, for the host's progress display. */
  work?: Work,
): Promise<{ record: FileRecord; report: AddedFile }> {
  const scanned = scanModelFile(given, source);
  assertUniqueNames(given, scanned.entries);
  const deltaTypes = ctx.addTypes();
  const records: TensorRecord[] = new Array<TensorRecord>(scanned.entries.length);
  const encodings: Record<string, number> = {};
  let reused = 0;
  let storedBytes = 0;
  const stage = async (index: number, data: Uint8Array): Promise<void> => {
    const { name, dtype, shape } = scanned.entries[index];
    const tensor: Tensor = { dtype, shape: [...shape], data };
    assertTensor(tensor, `${printable(given)}: tensor '${printable(name)}'`);
    if (dtype === 'bool') assertBoolBytes(given, name, data);
    const hash = tensorHash(tensor);
    records[index] = { name, hash, dtype, shape: [...shape] };
    if (ctx.objects.has(hash) || writer.has(hash) || encoding.has(hash)) {
      reused++;
      returnScratch(data); // hashed and not kept: nothing else holds what FileSource read
      return;
    }
    encoding.add(hash);
    // Encoded, a tensor this size is most likely no inline object: the pack's file will be needed.
    if (data.length > INLINE_MAX_BYTES) writer.expectFile();
    // Small tensors wait for the next turn of the event loop: a large one in flight first runs its
    // trials and plane split (all on this thread) up to its deflates on the thread pool, and the
    // small ones are encoded while those run, instead of delaying them.
    if (data.length < DEFER_BELOW_BYTES) await new Promise<void>((resolve) => setImmediate(resolve));
    const candidates = await referenceCandidates(ctx, path, name, tensor, parent, similarity, staged);
    const encoded = await encodeTensor(hash, tensor, candidates, deltaTypes, ctx.maxDepth, previousChoice(ctx, parent, path, name));
    await writer.add(encoded);
    releaseEncoded(encoded); // copied into the pack: its memory serves the next tensors
    ctx.latest.put(hash, data); // the next add of this file reads it instead of decoding a chain
    const referenceDType = candidates.find((c) => c.hash === encoded.info.reference)?.tensor.dtype;
    if (wantsSketch(encoded.info.rawBytes, dtype, referenceDType)) similarity.add(hash, tensor);
    ctx.objects.remember(hash, tensor, true); // the store's now: nothing here keeps it after this

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
      work?.advance(data.length);
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

/** How the tensor's namesake in the parent commit (same file and name) was stored, when as a delta. */
function previousChoice(ctx: RepoContext, parent: Tree, path: string, name: string): PreviousChoice | undefined {
  const own = parent[path]?.tensors.find((r) => r.name === name);
  const info = own ? ctx.objects.info(own.hash) : undefined;
  if (!own || !info?.reference) return undefined;
  return { reference: own.hash, encoding: info.encoding, storedBytes: info.storedBytes, rawBytes: info.rawBytes };
}

/** Two tensors of one name (duplicate .npz members) would be stored as one name for two contents: refused. */
function assertUniqueNames(given: string, entries: readonly { name: string }[]): void {
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) throw new ReefError('BAD_FILE', `${printable(given)}: tensor '${printable(name)}' appears twice (duplicate member); a file must name each tensor once`);
    seen.add(name);
  }
}

/** A BOOL tensor holds one byte per element, 0 or 1; anything else would not survive a round trip through numpy or torch. */
function assertBoolBytes(given: string, name: string, data: Uint8Array): void {
  const bad = data.findIndex((b) => b > 1);
  if (bad >= 0) throw new ReefError('BAD_FILE', `${printable(given)}: BOOL tensor '${printable(name)}' holds byte ${data[bad]} at element ${bad}; BOOL elements must be 0 or 1`);
}

/** The path `given` is tracked under: `as` (normalised) or its place in the working folder, checked by the path policy. */
function trackedPath(ctx: RepoContext, given: string, abs: string, as: string | undefined): string {
  if (as !== undefined) return userPath(as, '`as` path');
  const path = relative(ctx.root, abs).split(sep).join('/');
  if (path === '' || path === '..' || path.startsWith('../') || isAbsolute(path)) throw new ReefError('INVALID_PARAM', `${printable(given)} is outside the repository at ${ctx.root}`);
  assertSafePath(path, `${printable(given)}: its path`);
  return path;
}

/** The index kept by the last `add` when the file is still the one it wrote, else read anew. */
export function takeSimilarity(ctx: RepoContext): SimilarityIndex {
  const kept = ctx.similarityKept;
  ctx.similarityKept = undefined; // an add that fails leaves its index unlike the file: never kept
  const now = statSync(ctx.similarityPath(), { bigint: true, throwIfNoEntry: false });
  if (kept && now && now.ino === kept.ino && now.size === kept.size && now.mtimeNs === kept.mtimeNs) return kept.index;
  return new SimilarityIndex(ctx.similarityPath());
}

export function keepSimilarity(ctx: RepoContext, index: SimilarityIndex): void {
  if (index.pending) return; // not saved (nothing changed and no usable file): read anew next time
  const st = statSync(ctx.similarityPath(), { bigint: true, throwIfNoEntry: false });
  if (st) ctx.similarityKept = { index, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs };
}

/** Removes a file from the staging index (the next commit no longer tracks it). */
export function unstage(ctx: RepoContext, path: string): void {
  const release = ctx.lock();
  try {
    const { files, stagedBy } = ctx.staging();
    const tree = { ...files };
    if (!tree[path]) throw new ReefError('INVALID_PARAM', `${path} is not tracked`);
    delete tree[path];
    ctx.writeIndex(tree, { ...stagedBy, [path]: ctx.writer() });
  } finally {
    release();
  }
}

export function status(ctx: RepoContext): Status {
  const head = ctx.refs.head();
  const headTree = head.hash ? ctx.commits.read(head.hash).tree : {};
  const { files: index, stagedBy } = ctx.staging();
  const me = ctx.writer();
  const staged: Status['staged'] = [];
  for (const path of new Set([...Object.keys(headTree), ...Object.keys(index)])) {
    const change: Change | undefined = !headTree[path] ? 'added' : !index[path] ? 'removed' : !sameFile(headTree[path], index[path]) ? 'modified' : undefined;
    if (!change) continue;
    const stamp = stagedBy[path];
    staged.push(stamp && relation(stamp, me) === 'other' ? { path, change, writer: describeWriter(stamp) } : { path, change });
  }
  const unstaged: Status['unstaged'] = [];
  for (const [path, file] of Object.entries(index)) {
    if (unsafePathReason(path)) continue; // never looked up outside the working folder; fsck names it
    const abs = join(ctx.root, path);
    if (!existsSync(abs)) unstaged.push({ path, change: 'deleted' });
    else if (!matchesRecord(abs, file)) unstaged.push({ path, change: 'modified' });
  }
  return { branch: head.branch, head: head.hash, staged: staged.sort((a, b) => a.path.localeCompare(b.path)), unstaged };
}
