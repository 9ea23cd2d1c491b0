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

function reference(c: ClusterReport): string {
  if (c.centroidKind === 'mean') return `against a new mean centroid of ${formatBytes(c.centroidBytes)}`;
  const medoid = c.members.find((m) => m.hash === c.centroid);
  return `against the medoid ${medoid?.label ?? c.centroid.slice(0, 12)}`;
}

function reportLines(a: ClusterAnalysis, verbose: boolean): string[] {
  const lines = [`${a.candidates} candidate tensors in ${a.groups} dtype-and-shape groups; ${a.clusters.length} cluster(s), ${a.clusters.filter((c) => c.pays).length} paying`];
  for (const [i, c] of a.clusters.entries()) {
    const reencoded = c.members.filter((m) => !m.kept).length;
    lines.push(
      `cluster ${i + 1}: ${c.dtype} [${c.shape.join(', ')}], ${c.members.length} tensors, ${formatBytes(c.rawBytes)} raw; ` +
        `${saving(c.bytesNow, c.bytesProjected)}${c.pays ? '' : ' -- left as it is'}; ${reference(c)}, ${reencoded} re-encoded`,
    );
    const tried = Object.entries(c.projections);
    if (tried.length > 1) lines.push(`    projected with ${tried.map(([k, v]) => `${k === 'mean' ? 'a mean centroid' : 'the medoid'} ${formatBytes(v)}`).join(', with ')}`);
    if (!verbose) continue;
    for (const m of c.members) {
      const where = `${m.label}${m.places > 1 ? ` (+${m.places - 1} more)` : ''}`;
      const to = m.kept ? `kept (${m.kept})` : `${m.encodingPlanned} vs ${c.centroidKind === 'mean' ? 'centroid' : 'medoid'} ${formatBytes(m.bytesPlanned)}`;
      lines.push(`    ${where}  ${m.encodingNow} ${formatBytes(m.bytesNow)} -> ${to}`);
    }
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
    return opts.json ? [JSON.stringify(a, null, 2)] : reportLines(a, opts.verbose ?? false);
  });
}

/** Re-encodes paying clusters in one atomic pack switch. */
export async function clusterApplyCommand(env: CommandEnv, opts: ClusterCommandOptions = {}): Promise<string[]> {
  return withRepo(env, async (repo) => {
    const r = await applyClusters(repo, libraryOptions(env, opts));
    if (opts.json) return [JSON.stringify(r, null, 2)];
    const lines = reportLines(r, opts.verbose ?? false);
    if (!r.pack) lines.push('nothing written: no cluster pays');
    else {
      lines.push(`wrote ${r.pack}: ${r.centroidsWritten} centroid(s), ${r.membersReencoded} re-encoded tensor(s), ${r.depthUpdates} depth update(s)`);
      lines.push('the superseded copies stay on disk until reef gc removes them');
    }
    return lines;
  });
}
