import { ReefError } from '@reef/core/errors';
import { resolve } from 'node:path';
import { asCliError } from './flag-names.js';
import { untrackedModelFiles } from './untracked.js';
import { Repository, printable, type CommitQuality, type DeltaTypeSource, type ExportOutcome, type MergeStrategy, type Stats } from '@reef/store';

/**
 * The `reef` store commands as plain functions: parsed options in, printable lines out. @reef/store
 * returns data; all of its text for the terminal is made here, and store.ts only parses arguments
 * and prints.
 */

export interface CommandEnv {
  readonly cwd: string;
  /** The delta types to use, registered by the host (the CLI: the discovered plugins). */
  readonly registry: DeltaTypeSource;
  readonly onProgress?: (stage: string) => void;
  /** This writer's name for the staging rule (REEF_WRITER); unset: the process and its parents. */
  readonly writer?: string;
}

function open(env: CommandEnv): Repository {
  return Repository.open(env.cwd, { registry: env.registry, onProgress: env.onProgress, writer: env.writer });
}

/** Runs `fn` on the repository, closed afterwards; library errors come out naming CLI flags. */
async function withRepo<T>(env: CommandEnv, fn: (repo: Repository) => Promise<T> | T): Promise<T> {
  const repo = open(env);
  try {
    return await fn(repo);
  } catch (err) {
    throw asCliError(err);
  } finally {
    repo.close();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

const short = (hash: string | undefined): string => (hash ? hash.slice(0, 12) : '(none)');

export function initCommand(env: CommandEnv, dir = '.'): string[] {
  const repo = Repository.init(resolve(env.cwd, dir), { registry: env.registry });
  repo.close();
  return [`Initialized empty reef repository in ${repo.root}/.reef`];
}

export async function addCommand(env: CommandEnv, files: string[], opts: { as?: string } = {}): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const start = performance.now();
    const reports = await repo.add(files, { as: opts.as, cwd: env.cwd });
    const seconds = (performance.now() - start) / 1000;
    const lines = reports.map((r) => {
      const enc = Object.entries(r.encodings).map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing new';
      return `added ${r.path} (${r.format}, ${r.tensors} tensors, ${formatBytes(r.bytes)}): ${r.reused} already stored, ${enc}; ${formatBytes(r.storedBytes)} written`;
    });
    const total = reports.reduce((s, r) => s + r.bytes, 0);
    lines.push(`${formatBytes(total)} in ${seconds.toFixed(2)} s (${(total / 1e6 / Math.max(seconds, 1e-9)).toFixed(1)} MB/s)`);
    return lines;
  });
}

export async function statusCommand(env: CommandEnv): Promise<string[]> {
  return withRepo(env, (repo) => {
    const s = repo.status();
    const lines = [s.branch ? `On branch ${s.branch}${s.head ? '' : ' (no commits yet)'}` : `HEAD detached at ${short(s.head)}`];
    const mine = s.staged.filter((x) => !x.writer);
    const others = s.staged.filter((x) => x.writer);
    if (mine.length) lines.push('Changes to be committed:', ...mine.map((x) => `  ${x.change.padEnd(9)} ${x.path}`));
    if (others.length) lines.push('Staged by other writers (their commit takes them; commit --all-writers to take them here):', ...others.map((x) => `  ${x.change.padEnd(9)} ${x.path}  (${x.writer})`));
    if (s.unstaged.length) lines.push('Changes not staged (reef add to stage):', ...s.unstaged.map((x) => `  ${x.change.padEnd(9)} ${x.path}`));
    const untracked = untrackedModelFiles(repo.root, new Set(Object.keys(repo.index())));
    if (untracked.length) lines.push('Untracked model files (reef add to track):', ...untracked.map((p) => `  ${p}`));
    if (!s.staged.length && !s.unstaged.length) lines.push(untracked.length ? 'nothing staged; untracked model files present' : 'nothing to commit, working files match');
    return lines;
  });
}

export interface CommitOptions {
  /** Store new tensors lossily where the measured relative L2 error stays within this bound. */
  readonly maxRelError?: number;
  /** Explicitly lossless (the default); refused together with maxRelError. */
  readonly lossless?: boolean;
  readonly pqMinBytes?: number;
  readonly codebooks?: 'shared' | 'per-tensor';
  /** Also take the changes staged by other writers that are still running. */
  readonly allWriters?: boolean;
  /** Files to add and commit under one lock (HEAD's tree plus these; other staged files stay staged). */
  readonly files?: readonly string[];
}

export async function commitCommand(env: CommandEnv, message: string, opts: CommitOptions = {}): Promise<string[]> {
  if (opts.lossless && opts.maxRelError !== undefined) throw new ReefError('INVALID_PARAM', '--lossless and --max-rel-error exclude each other');
  if (opts.files?.length && opts.maxRelError !== undefined) throw new ReefError('INVALID_PARAM', 'commit with files is lossless: add the files, then commit --max-rel-error');
  if (opts.files?.length && opts.allWriters) throw new ReefError('INVALID_PARAM', 'commit with files takes exactly those files: --all-writers applies to a plain commit');
  return withRepo(env, async (repo) => {
    if (opts.files?.length) {
      const c = await repo.commitFiles(message, opts.files, { cwd: env.cwd });
      return [`[${repo.refs.head().branch ?? 'detached'} ${short(c.hash)}] ${message}`];
    }
    if (opts.maxRelError === undefined) {
      const c = repo.commit(message, { allWriters: opts.allWriters });
      return [`[${repo.refs.head().branch ?? 'detached'} ${short(c.hash)}] ${message}`];
    }
    const { commit, quality } = await repo.commitLossy(message, { maxRelError: opts.maxRelError, pqMinBytes: opts.pqMinBytes, codebooks: opts.codebooks }, { allWriters: opts.allWriters });
    const lines = [`[${repo.refs.head().branch ?? 'detached'} ${short(commit.hash)}] ${message}`];
    lines.push(...qualityLines(quality, repo));
    return lines;
  });
}

/** What a lossy commit did: lossy tensors with their errors, tensors kept lossless and why, codebooks. */
function qualityLines(q: CommitQuality, repo: Repository): string[] {
  const lines = [`max relative error ${q.maxRelError}: ${q.lossy.length} tensor(s) stored lossy, ${q.lossless.length} kept lossless`];
  const byType = new Map<string, { n: number; worst: number }>();
  for (const t of q.lossy) {
    const e = byType.get(t.encoding) ?? { n: 0, worst: 0 };
    byType.set(t.encoding, { n: e.n + 1, worst: Math.max(e.worst, t.relL2) });
  }
  for (const [type, e] of byType) lines.push(`  ${type}: ${e.n} tensor(s), worst relative L2 ${e.worst.toExponential(2)}`);
  const unmet = q.lossless.filter((f) => f.reason === 'bound');
  if (unmet.length > 0) {
    lines.push(`  ${unmet.length} tensor(s) stored losslessly: no lossy encoding met relative error <= ${q.maxRelError}`);
    for (const f of unmet.slice(0, 5)) lines.push(`    ${f.path}:${f.tensor}${f.bestRelL2 === undefined ? '' : ` (closest: ${f.bestEncoding} at ${f.bestRelL2.toExponential(2)})`}`);
    if (unmet.length > 5) lines.push(`    ... and ${unmet.length - 5} more`);
  }
  const larger = q.lossless.length - unmet.length;
  if (larger > 0) lines.push(`  ${larger} tensor(s) stored losslessly: within the bound, but no lossy encoding was smaller`);
  if (q.codebooks.length > 0) {
    const bytes = q.codebooks.reduce((s, h) => s + (repo.objects.codebooks().find((b) => b.info.hash === h)?.info.bytes ?? 0), 0);
    lines.push(`  ${q.codebooks.length} PQ codebook(s), ${formatBytes(bytes)}: ${q.codebooks.map(short).join(', ')}`);
  }
  return lines;
}

export async function logCommand(env: CommandEnv, rev = 'HEAD', opts: { limit?: number; oneline?: boolean } = {}): Promise<string[]> {
  return withRepo(env, (repo) => {
    const commits = repo.log(rev, opts.limit ?? Infinity);
    if (commits.length === 0) return ['no commits yet'];
    const labels = new Map<string, string[]>();
    for (const b of repo.branches()) labels.set(b.hash, [...(labels.get(b.hash) ?? []), b.name]);
    for (const t of repo.tags()) labels.set(t.hash, [...(labels.get(t.hash) ?? []), `tag: ${t.name}`]);
    return commits.flatMap((c) => {
      const refs = labels.get(c.hash);
      const decoration = refs ? ` (${refs.join(', ')})` : '';
      if (opts.oneline) return [`${short(c.hash)}${decoration} ${c.message}`];
      const files = Object.keys(c.tree).length;
      return [`commit ${c.hash}${decoration}`, ...(c.parents.length > 1 ? [`Merge: ${c.parents.map(short).join(' ')}`] : []), `Date:   ${c.time}`, `Files:  ${files}`, '', `    ${c.message}`, ''];
    });
  });
}

export async function showCommand(env: CommandEnv, rev = 'HEAD'): Promise<string[]> {
  return withRepo(env, (repo) => {
    const c = repo.show(rev);
    const lines = [`commit ${c.hash}`, `parents: ${c.parents.map(short).join(' ') || '(root)'}`, `date: ${c.time}`, '', `    ${c.message}`, ''];
    if (c.quality) lines.push(...qualityLines(c.quality, repo), '');
    for (const [path, f] of Object.entries(c.tree)) {
      lines.push(`${path}  ${f.format}, ${formatBytes(f.size)}, sha256 ${f.sha256.slice(0, 16)}${f.source ? ` (lossy; added as sha256 ${f.source.sha256.slice(0, 16)})` : ''}`);
      for (const t of f.tensors) {
        const info = repo.objects.info(t.hash);
        const error = info?.error ? `, lossy: max |err| ${info.error.maxAbs.toExponential(2)}, rel L2 ${info.error.relL2.toExponential(2)}` : '';
        const book = info?.codebook ? `, codebook ${short(info.codebook)}` : '';
        lines.push(`  ${t.name.padEnd(28)} ${t.dtype.padEnd(5)} [${t.shape.join(', ')}]  ${short(t.hash)}  ${info ? `${info.encoding}${info.reference ? ` vs ${short(info.reference)}` : ''}, ${formatBytes(info.storedBytes)}${book}${error}` : 'MISSING'}`);
      }
    }
    return lines;
  });
}

export async function diffCommand(env: CommandEnv, from: string, to = 'HEAD'): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const d = await repo.diff(from, to);
    if (d.length === 0) return [`no tensor differs between ${from} and ${to}`];
    return d.map((x) => {
      const where = `${x.path}:${x.tensor}`;
      const what = `${x.dtype} [${x.shape?.join(', ')}]`;
      if (x.change !== 'modified') return `${x.change.padEnd(8)} ${where}  ${what}`;
      const norm = x.norm === undefined ? 'dtype or shape changed' : `|Δ|₂ = ${x.norm.toPrecision(4)}${x.relative === undefined ? '' : ` (relative ${x.relative.toPrecision(3)})`}`;
      return `changed  ${where}  ${what}  ${norm}`;
    });
  });
}

export async function checkoutCommand(env: CommandEnv, rev: string, opts: { force?: boolean } = {}): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const c = await repo.checkout(rev, opts);
    const branch = repo.refs.head().branch;
    return [branch ? `Switched to branch '${branch}' at ${short(c.hash)}` : `HEAD is now at ${short(c.hash)} (detached) ${c.message}`];
  });
}

export async function exportCommand(env: CommandEnv, rev: string, opts: { format: string; output?: string; path?: string }): Promise<string[]> {
  if (opts.format !== 'safetensors' && opts.format !== 'npz') throw new ReefError('INVALID_PARAM', `--format must be safetensors or npz, got '${opts.format}'`);
  return withRepo(env, async (repo) => {
    const target = resolve(env.cwd, opts.output ?? defaultExportName(rev, opts.format));
    const out = await repo.exportTo(rev, target, { format: opts.format as 'safetensors' | 'npz', path: opts.path }); // streamed, tensor by tensor
    return [`wrote ${target} (${formatBytes(out.bytes)}, ${exportVerdict(out)})`];
  });
}

/**
 * `reef export epoch1 --format safetensors` writes `epoch1.safetensors` in the current folder: the
 * revision as typed, reduced to a plain file name (a branch `team/run-2` or `HEAD~1` never picks a
 * folder), so the default is predictable and stays where the user is.
 */
export function defaultExportName(rev: string, format: string): string {
  const base = rev.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_') || 'export';
  return `${base}.${format}`;
}

/**
 * What an export is, from checked facts: "byte-identical" only when the written file's sha256 is
 * the added file's; a lossy export says so with the recorded bound and the worst measured errors.
 */
export function exportVerdict(out: ExportOutcome): string {
  if (out.loss) {
    const { tensors, of, maxRelError, relL2, maxAbs } = out.loss;
    const bound = maxRelError === undefined ? 'bound not recorded' : `recorded bound: max relative error ${maxRelError}`;
    return `lossy: ${tensors} of ${of} tensor(s) approximate, ${bound}; worst measured: rel L2 ${relL2.toExponential(2)}, max |err| ${maxAbs.toExponential(2)}; not the file that was added`;
  }
  if (out.identical) return `byte-identical to the file that was added (sha256 ${(out.sha256 ?? '').slice(0, 16)})`;
  return out.verbatim ? 'rebuilt from its recorded layout' : 'converted; every tensor exact';
}

export async function branchCommand(env: CommandEnv, name?: string, rev?: string, opts: { delete?: boolean } = {}): Promise<string[]> {
  return withRepo(env, (repo) => {
    if (!name) return repo.branches().map((b) => `${b.current ? '*' : ' '} ${b.name.padEnd(20)} ${short(b.hash)}`);
    if (opts.delete) {
      repo.deleteBranch(name);
      return [`deleted branch ${name}`];
    }
    return [`created branch ${name} at ${short(repo.createBranch(name, rev))}`];
  });
}

export async function tagCommand(env: CommandEnv, name?: string, rev?: string, opts: { delete?: boolean } = {}): Promise<string[]> {
  return withRepo(env, (repo) => {
    if (!name) return repo.tags().map((t) => `${t.name.padEnd(20)} ${short(t.hash)}`);
    if (opts.delete) {
      repo.deleteTag(name);
      return [`deleted tag ${name}`];
    }
    return [`tagged ${short(repo.createTag(name, rev))} as ${name}`];
  });
}

export async function mergeCommand(env: CommandEnv, rev: string, opts: { strategy?: string; weight?: number; message?: string } = {}): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const r = await repo.merge(rev, { strategy: opts.strategy as MergeStrategy | undefined, weight: opts.weight, message: opts.message });
    if (r.upToDate) return ['Already up to date.'];
    if (r.fastForward) return [`Fast-forward to ${short(r.commit)}`];
    return [`Merged ${rev} as ${short(r.commit)}`, ...r.conflicts.map((c) => `  conflict ${c.path}${c.tensor ? `:${c.tensor}` : ''}: ${c.resolution}`)];
  });
}

export async function gcCommand(env: CommandEnv): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const g = await repo.gc();
    return [
      `removed ${g.objectsRemoved} unreachable objects, ${g.codebooksRemoved} codebooks, ${g.commitsRemoved} commits, ${g.packsRemoved} packs (${g.packsRewritten} rewritten), ${g.filesRemoved} leftover files; merged ${g.packsMerged} small packs`,
      `${formatBytes(g.bytesBefore)} -> ${formatBytes(g.bytesAfter)}`,
    ];
  });
}

/** fsck: returns lines and whether the repository is healthy (the CLI exits non-zero if not). */
export async function fsckCommand(env: CommandEnv): Promise<{ lines: string[]; ok: boolean }> {
  return withRepo(env, async (repo) => {
    const f = await repo.fsck();
    const lines = [`checked ${f.commits} commits and ${f.objects} objects`];
    for (const p of f.problems) lines.push(`error: ${p}`);
    for (const g of f.garbage) lines.push(`garbage (harmless, removed by reef gc): ${g}`);
    for (const r of f.rebuilt) lines.push(`rebuilt: ${r}`);
    lines.push(f.problems.length ? `${f.problems.length} problem(s) found` : 'no problems found');
    return { lines, ok: f.problems.length === 0 };
  });
}

export async function statsCommand(env: CommandEnv, opts: { json?: boolean } = {}): Promise<string[]> {
  return withRepo(env, (repo) => {
    const s = repo.stats();
    return opts.json ? [JSON.stringify(s, null, 2)] : statsLines(s);
  });
}

/**
 * `reef stats` for a reader: what was added, how the committed tensors are stored (the counts add
 * up), and where every byte on disk goes (the rows add up to the total, which is what the files
 * under .reef occupy). Definitions: packages/store/README.md, "reef stats".
 */
export function statsLines(s: Stats): string[] {
  const t = s.tensors;
  const bytes = (n: number): string => `${formatBytes(n).padStart(10)}  ${String(n).padStart(12)} B`;
  const lines = [
    `${s.commits} commit(s) holding ${s.fileVersions} distinct file version(s): ${formatBytes(s.bytesAdded)} (${s.bytesAdded} B) as added`,
    `${t.distinct} distinct tensor(s) committed (${t.entries} tensor entries across the commits, unchanged ones shared): ` +
      `${t.whole} stored whole + ${t.losslessDeltas} lossless delta(s) + ${t.lossyDeltas} lossy delta(s)${t.missing ? ` + ${t.missing} MISSING (run reef fsck)` : ''}`,
  ];
  if (t.staged > 0) lines.push(`${t.staged} more stored tensor(s) staged for the next commit`);
  if (t.unreachable > 0) lines.push(`${t.unreachable} stored tensor(s) nothing reaches any more (e.g. replaced by a lossy commit): reef gc removes them`);
  if (t.centroids > 0) lines.push(`${t.centroids} cluster centroid(s): shared references for deltas (reef cluster apply), not tensors of a file`);
  const ratio = s.bytesAdded > 0 ? `, ${(s.bytesOnDisk / s.bytesAdded).toFixed(3)}× the bytes added` : '';
  lines.push('', `bytes on disk (every file under .reef)${ratio}:`);
  const b = s.breakdown;
  const rows: [string, number, boolean][] = [
    ['tensors stored whole', b.wholeTensors, true],
    ['lossless deltas', b.losslessDeltas, true],
    ['lossy deltas', b.lossyDeltas, b.lossyDeltas > 0],
    ['cluster centroids', b.centroids, b.centroids > 0],
    ['PQ codebooks', b.codebooks, b.codebooks > 0],
    ['superseded copies (gc removes)', b.superseded, b.superseded > 0],
    ['pack overhead (HDF5, manifests)', b.packOverhead, true],
    ['commit metadata', b.commitMetadata, true],
    ...Object.entries(b.other).map(([name, n]): [string, number, boolean] => [otherLabel(name), n, true]),
  ];
  for (const [label, n, shown] of rows) if (shown) lines.push(`  ${label.padEnd(34)} ${bytes(n)}`);
  lines.push(`  ${'total'.padEnd(34)} ${bytes(s.bytesOnDisk)}`);
  if (s.cacheBytes > 0) lines.push(`  ${'not counted: .reef/cache'.padEnd(34)} ${bytes(s.cacheBytes)} (raw copies of the latest added tensors, for faster adds; safe to delete)`);
  const encodings = Object.entries(s.byEncoding);
  if (encodings.length > 0) {
    lines.push('', 'stored objects by encoding (raw: the tensors\' own bytes; stored: their payloads):');
    for (const [k, v] of encodings) {
      const lossy = v.maxRelL2 === undefined ? '' : `  lossy, worst rel L2 ${v.maxRelL2.toExponential(2)}`;
      lines.push(`  ${k.padEnd(16)} ${String(v.objects).padStart(6)} object(s) ${formatBytes(v.rawBytes).padStart(10)} raw -> ${formatBytes(v.storedBytes).padStart(10)} stored${lossy}`);
    }
  }
  return lines;
}

/** Names of the small files and folders beside packs/ and commits/, for the breakdown. */
function otherLabel(name: string): string {
  const known: Record<string, string> = { HEAD: 'HEAD', refs: 'branches and tags (refs/)', lock: 'write lock', 'index.json': 'staging index' };
  return known[name] ?? (/similar/i.test(name) ? `similarity index (${name})` : name);
}

/** unlock: removes a lock left by a reef command that is gone (`force`: also another host's or an unreadable one). */
export async function unlockCommand(env: CommandEnv, opts: { force?: boolean } = {}): Promise<string[]> {
  return withRepo(env, (repo) => {
    const r = repo.unlock({ force: opts.force });
    const leftovers = r.leftovers.length ? [`removed ${r.leftovers.length} temporary lock file(s) left by killed commands`] : [];
    if (!r.removed) return ['the repository is not locked', ...leftovers];
    const who = r.owner ? `process ${r.owner.pid} on host ${printable(r.owner.host, 80)}` : 'an unreadable lock file';
    return [`removed the lock of ${who}${r.state === 'dead' ? ' (no longer running)' : ' (forced)'}`, ...leftovers];
  });
}
