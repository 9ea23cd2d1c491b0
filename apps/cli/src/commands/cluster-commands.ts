import { Repository, analyzeClusters, applyClusters, type ClusterAnalysis, type ClusterOptions, type ClusterReport } from '@reef/store';
import { asCliError } from './flag-names.js';
import { formatBytes, type CommandEnv } from './store-commands.js';

/** `reef cluster analyze|apply` as plain functions: options in, printable lines out. */

export type ClusterCommandOptions = Omit<ClusterOptions, 'registry' | 'onProgress'> & { readonly json?: boolean; readonly verbose?: boolean };

function saving(now: number, projected: number): string {
  if (now === 0) return 'nothing to save';
  const saved = now - projected;
  return `${formatBytes(now)} -> ${formatBytes(projected)} (${saved >= 0 ? 'saves' : 'costs'} ${formatBytes(Math.abs(saved))}, ${((100 * saved) / now).toFixed(1)}%)`;
}

function reference(c: ClusterReport, reencoded: number): string {
  // A cluster where no member gains keeps everything as it is: no centroid to name.
  if (reencoded === 0) return 'no member is smaller against a centroid';
  if (c.centroidKind === 'mean') return `against a new mean centroid (${formatBytes(c.centroidBytes)} stored whole)`;
  const medoid = c.members.find((m) => m.hash === c.centroid);
  return `against the medoid ${medoid?.label ?? c.centroid.slice(0, 12)}`;
}

/** Where a stored tensor first appears: the oldest commit holding it (with its tags), or "staged". */
export type TensorOrigin = (hash: string) => string;

/** Read-only: the commits in time order, each tensor hash mapped to the first commit that holds it. */
function tensorOrigins(repo: Repository): TensorOrigin {
  const tags = new Map<string, string[]>();
  for (const t of repo.tags()) tags.set(t.hash, [...(tags.get(t.hash) ?? []), t.name]);
  const commits = repo.commits
    .list()
    .map((hash) => ({ hash, commit: repo.commits.read(hash) }))
    .sort((a, b) => a.commit.time.localeCompare(b.commit.time));
  const first = new Map<string, string>();
  for (const { hash, commit } of commits) {
    const label = `${hash.slice(0, 12)}${tags.has(hash) ? ` (${tags.get(hash)!.join(', ')})` : ''}`;
    for (const file of Object.values(commit.tree)) for (const t of file.tensors) if (!first.has(t.hash)) first.set(t.hash, label);
  }
  return (hash) => first.get(hash) ?? 'staged';
}

function memberLines(c: ClusterReport, origin: TensorOrigin): string[] {
  const rows = c.members.map((m) => {
    const where = `${m.label}${m.places > 1 ? ` (+${m.places - 1} more)` : ''}`;
    const now = `${m.encodingNow} ${formatBytes(m.bytesNow)}`;
    const to = m.kept ? `kept (${m.kept})` : `${m.encodingPlanned} vs ${c.centroidKind === 'mean' ? 'centroid' : 'medoid'} ${formatBytes(m.bytesPlanned)}`;
    return [origin(m.hash), where, now, to];
  });
  const header = ['commit', 'file:tensor', 'stored now', 'planned'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => `    ${r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]))).join('  ')}`;
  return [line(header), ...rows.map(line)];
}

function reportLines(a: ClusterAnalysis, verbose: boolean, origin: TensorOrigin): string[] {
  const lines = [`${a.candidates} candidate tensors in ${a.groups} dtype-and-shape groups; ${a.clusters.length} cluster(s), ${a.clusters.filter((c) => c.pays).length} paying`];
  for (const [i, c] of a.clusters.entries()) {
    const reencoded = c.members.filter((m) => !m.kept).length;
    lines.push(
      `cluster ${i + 1}: ${c.dtype} [${c.shape.join(', ')}], ${c.members.length} tensors, ${formatBytes(c.rawBytes)} raw; ` +
        `${saving(c.bytesNow, c.bytesProjected)}${c.pays ? '' : ' -- left as it is'}; ${reference(c, reencoded)}${reencoded > 0 ? `, ${reencoded} re-encoded` : ''}`,
    );
    const tried = Object.entries(c.projections);
    if (tried.length > 1) lines.push(`    projected with ${tried.map(([k, v]) => `${k === 'mean' ? 'a mean centroid' : 'the medoid'} ${formatBytes(v)}`).join(', with ')}`);
    if (verbose) lines.push(...memberLines(c, origin));
  }
  lines.push(`paying clusters: ${saving(a.bytesNow, a.bytesProjected)}`, `projection ${a.method}`);
  if (a.note) lines.push(`note: ${a.note}`);
  return lines;
}

/** Runs `fn` on the repository, closed afterwards; library errors come out naming CLI flags. */
async function withRepo<T>(env: CommandEnv, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = Repository.open(env.cwd, { registry: env.registry });
  try {
    return await fn(repo);
  } catch (err) {
    throw asCliError(err);
  } finally {
    repo.close();
  }
}

function libraryOptions(env: CommandEnv, opts: ClusterCommandOptions): ClusterOptions {
  const { json: _json, verbose: _verbose, ...rest } = opts;
  return { ...rest, registry: env.registry, onProgress: env.onProgress };
}

/** Reports clusters and projected savings; writes nothing. */
export async function clusterAnalyzeCommand(env: CommandEnv, opts: ClusterCommandOptions = {}): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const a = await analyzeClusters(repo, libraryOptions(env, opts));
    return opts.json ? [JSON.stringify(a, null, 2)] : reportLines(a, opts.verbose ?? false, opts.verbose ? tensorOrigins(repo) : () => '');
  });
}

/** Re-encodes paying clusters in one atomic pack switch. */
export async function clusterApplyCommand(env: CommandEnv, opts: ClusterCommandOptions = {}): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const r = await applyClusters(repo, libraryOptions(env, opts));
    if (opts.json) return [JSON.stringify(r, null, 2)];
    const lines = reportLines(r, opts.verbose ?? false, opts.verbose ? tensorOrigins(repo) : () => '');
    if (!r.pack) lines.push('nothing written: no cluster pays');
    else {
      lines.push(`wrote ${r.pack}: ${r.centroidsWritten} centroid(s), ${r.membersReencoded} re-encoded tensor(s), ${r.depthUpdates} depth update(s)`);
      lines.push('the superseded copies stay on disk until reef gc removes them');
    }
    return lines;
  });
}
