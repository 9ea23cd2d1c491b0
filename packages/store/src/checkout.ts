import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import { ReefError } from '@reef/core/errors';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromLayout } from './file-records.js';
import { assemble, safetensorsHeader, writeNpz, writeSafetensors, type NamedTensor } from './formats/index.js';
import { exportLoss, identicalToAdded, type ExportOutcome } from './export-loss.js';
import { atomicWrite, tempPath } from './fsutil.js';
import { sha256File } from './hash.js';
import type { Commit, FileRecord, TensorRecord, Tree } from './model.js';
import type { RepoContext } from './repo-context.js';
import { commitAt, resolveRevision } from './revisions.js';
import { assertSafePath, printable, resolveInside, unsafeMemberReason } from './safe-path.js';
import { status } from './staging.js';
import { Work, progressOf, withWork } from './work-progress.js';

/** Files out: rebuilding tracked files byte for byte, checkout into the working folder, export. */

/** Writes all of `data` at the file position (writeSync may write less than asked). */
function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
}

/** Rebuilds a tracked file byte for byte in memory, checking it against the sha256 recorded at add. */
export async function fileBytes(ctx: RepoContext, path: string, file: FileRecord): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await streamFile(ctx, path, file, (data) => parts.push(data));
  return assemble(parts.map((literal) => ({ literal })), []);
}

/**
 * Produces a tracked file's bytes in order, one decoded tensor at a time, and checks size and
 * sha256 against what was recorded at add; `sink` (if any) sees every part before the check.
 */
export async function streamFile(ctx: RepoContext, path: string, file: FileRecord, sink?: (data: Uint8Array) => void, work?: Work): Promise<void> {
  const hash = createHash('sha256');
  let size = 0;
  for (const segment of fromLayout(file.layout, file.size)) {
    const data = 'literal' in segment ? segment.literal : (await ctx.objects.get(file.tensors[segment.tensor].hash)).data;
    hash.update(data);
    size += data.length;
    sink?.(data);
    work?.advance(data.length);
  }
  if (size !== file.size || hash.digest('hex') !== file.sha256) {
    throw new ReefError('REPOSITORY', `rebuilt ${path} does not match the file that was added (repository corrupt; run reef fsck)`);
  }
}

/**
 * Writes a tracked file to `target` streamed, through a temporary file that is flushed and renamed
 * only once its size and sha256 match: a damaged repository never leaves a wrong file in place.
 */
export async function writeFile(ctx: RepoContext, path: string, file: FileRecord, target: string, work?: Work): Promise<void> {
  const tmp = tempPath(target);
  const fd = openSync(tmp, 'wx');
  try {
    await streamFile(ctx, path, file, (data) => writeAll(fd, data), work);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, target);
}

/** Refuses a tree (from a commit or the staging index) that names an unsafe path, before anything is written. */
export function assertSafeTree(tree: Tree, where = 'the repository'): void {
  for (const path of Object.keys(tree)) assertSafePath(path, `${where} tracks a file whose path`, 'BAD_FILE');
}

/**
 * Makes the working folder hold `target` (removing what only `previous` tracked). Every path is
 * checked by the path policy before anything is written or removed: a tree naming a path outside
 * the working folder (built by hand, or by an older reef) is refused as a whole.
 */
export async function writeWorkingTree(ctx: RepoContext, target: Tree, previous: Tree): Promise<void> {
  assertSafeTree(previous);
  assertSafeTree(target);
  // Every name resolved (symlinked folders included) before the first file is removed or written.
  const where = new Map<string, string>();
  for (const path of new Set([...Object.keys(previous), ...Object.keys(target)])) where.set(path, resolveInside(ctx.root, path));
  for (const path of Object.keys(previous)) if (!target[path]) rmSync(where.get(path) as string, { force: true });
  const total = Object.values(target).reduce((n, f) => n + f.size, 0);
  await withWork(ctx.registry, 'checkout', total, async (work) => {
    for (const [path, file] of Object.entries(target)) {
      const abs = where.get(path) as string;
      if (existsSync(abs) && statSync(abs).size === file.size && sha256File(abs) === file.sha256) {
        work.advance(file.size);
        continue;
      }
      mkdirSync(dirname(abs), { recursive: true });
      await writeFile(ctx, path, file, abs, work);
    }
  });
}

/** Switches the working files and HEAD to `rev` (a branch stays attached, anything else detaches). */
export async function checkout(ctx: RepoContext, rev: string, options: { force?: boolean } = {}): Promise<Commit> {
  const release = ctx.lock();
  try {
    const hash = resolveRevision(ctx, rev);
    const target = ctx.commits.read(hash);
    if (!options.force) {
      const s = status(ctx);
      if (s.staged.length > 0 || s.unstaged.length > 0) {
        const list = [...s.staged.map((x) => `${x.change} ${x.path}`), ...s.unstaged.map((x) => `${x.change} ${x.path}`)].join(', ');
        throw new ReefError('INVALID_PARAM', `uncommitted changes would be lost (${list}); commit them or use \`force\``);
      }
    }
    await writeWorkingTree(ctx, target.tree, ctx.index());
    if (ctx.refs.get('heads', rev)) ctx.refs.setHead({ branch: rev });
    else ctx.refs.setHead({ hash });
    ctx.writeIndex(target.tree);
    return target;
  } finally {
    release();
  }
}

/**
 * Exports a revision as one file. A single tracked file of the requested format (or the one named
 * by `path`) comes out byte-identical to what was added; otherwise the tensors are written fresh.
 */
export async function exportRevision(ctx: RepoContext, rev: string, options: { format: 'safetensors' | 'npz'; path?: string }): Promise<{ bytes: Uint8Array; verbatim: boolean }> {
  const plan = exportPlan(ctx, rev, options);
  if (plan.verbatim) return { bytes: await fileBytes(ctx, plan.verbatim.path, plan.verbatim.file), verbatim: true };
  const tensors: NamedTensor[] = [];
  await withWork(ctx.registry, 'export', plan.tensors.length, async (work) => {
    for (const t of plan.tensors) {
      tensors.push({ name: t.name, tensor: await ctx.objects.get(t.hash) });
      work.advance(1);
    }
  }, 'items');
  return { bytes: options.format === 'safetensors' ? writeSafetensors(tensors) : writeNpz(tensors), verbatim: false };
}

/**
 * `export` into the file `target`, streamed: one decoded tensor in memory at a time. A verbatim
 * export is checked against the recorded sha256 before it is renamed into place; a converted
 * safetensors export is written header first, then tensor by tensor. (Converted .npz exports are
 * built in memory: each zip member's header needs its CRC before its bytes.) The outcome says whether
 * the written file is the one that was added and, for tensors a lossy commit stored, their errors.
 */
export async function exportTo(ctx: RepoContext, rev: string, target: string, options: { format: 'safetensors' | 'npz'; path?: string }): Promise<ExportOutcome> {
  assertFolderExists(target);
  const plan = exportPlan(ctx, rev, options);
  if (plan.verbatim) {
    const { file } = plan.verbatim;
    // Renamed into place only once its sha256 is file.sha256.
    await withWork(ctx.registry, 'export', file.size, (work) => writeFile(ctx, plan.verbatim!.path, file, target, work));
    return { bytes: file.size, verbatim: true, sha256: file.sha256, identical: identicalToAdded(file), loss: exportLoss(ctx, rev, file.tensors) };
  }
  const loss = exportLoss(ctx, rev, plan.tensors);
  if (options.format === 'npz') {
    const { bytes } = await exportRevision(ctx, rev, options);
    atomicWrite(target, bytes);
    return { bytes: bytes.length, verbatim: false, identical: false, loss };
  }
  const sizes = plan.tensors.map((t) => ({ ...t, byteLength: elementCount(t.shape) * DTYPE_BYTES[t.dtype] }));
  const head = safetensorsHeader(sizes);
  const tmp = tempPath(target);
  const fd = openSync(tmp, 'wx');
  const work = new Work(progressOf(ctx.registry), 'export', sizes.reduce((n, t) => n + t.byteLength, 0));
  try {
    writeAll(fd, head);
    for (const t of sizes) {
      writeAll(fd, (await ctx.objects.get(t.hash)).data);
      work.advance(t.byteLength);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    work.finish();
  }
  closeSync(fd);
  renameSync(tmp, target);
  return { bytes: head.length + sizes.reduce((n, t) => n + t.byteLength, 0), verbatim: false, identical: false, loss };
}

/** An export into a folder that is not there fails on one line naming it (not on its temporary file). */
function assertFolderExists(target: string): void {
  const folder = dirname(target);
  const st = statSync(folder, { throwIfNoEntry: false });
  if (!st) throw new ReefError('INVALID_PARAM', `cannot write ${target}: the folder ${folder} does not exist`);
  if (!st.isDirectory()) throw new ReefError('INVALID_PARAM', `cannot write ${target}: ${folder} is not a folder`);
}

/** What an export writes: one tracked file as added (verbatim), or the named tensors to convert. */
export function exportPlan(ctx: RepoContext, rev: string, options: { format: 'safetensors' | 'npz'; path?: string }): { verbatim?: { path: string; file: FileRecord }; tensors: (TensorRecord & { name: string })[] } {
  if (options.format !== 'safetensors' && options.format !== 'npz') throw new ReefError('INVALID_PARAM', `unknown export format '${String(options.format)}': use safetensors or npz`);
  const tree = commitAt(ctx, rev).tree;
  const paths = options.path ? [options.path] : Object.keys(tree).sort();
  if (options.path && !tree[options.path]) throw new ReefError('INVALID_PARAM', `${options.path} is not tracked in ${rev}; tracked: ${Object.keys(tree).join(', ') || 'none'}`);
  if (paths.length === 0) throw new ReefError('INVALID_PARAM', `${rev} tracks no files`);
  if (paths.length === 1 && tree[paths[0]].format === options.format) return { verbatim: { path: paths[0], file: tree[paths[0]] }, tensors: [] };
  const tensors = paths.flatMap((path) => tree[path].tensors.map((r) => ({ ...r, name: paths.length === 1 ? r.name : `${path}/${r.name}` })));
  if (options.format === 'npz') {
    // Member names come from tensor names: whoever unzips the export must not write outside its folder.
    for (const t of tensors) {
      const reason = unsafeMemberReason(`${t.name}.npy`);
      if (reason) throw new ReefError('BAD_FILE', `cannot export tensor ${JSON.stringify(printable(t.name))} as an .npz member: ${reason}; export as safetensors instead`);
    }
  }
  return { tensors };
}
