import { ReefError } from '@reef/core/errors';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { ClusterCommandOptions } from './cluster-commands.js';
import type { CommandEnv } from './store-commands.js';

/**
 * `reef cluster analyze|apply`: group similar tensors of one dtype and shape, store a centroid per
 * cluster and the members as lossless deltas against it. A thin adapter over @reef/store.
 */
export function register(program: Command, ctx: CliContext): void {
  const env = async (): Promise<CommandEnv> => ({ cwd: process.cwd(), registry: await ctx.registry('deltaTypes') });
  // Tensor names come from files: escaped, as the store commands print them.
  const print = async (lines: string[]): Promise<void> => {
    const { printable } = await import('@reef/store');
    for (const line of lines) for (const part of line.split('\n')) ctx.out(printable(part, Infinity));
  };
  const group = program
    .command('cluster')
    .description('cluster similar tensors (same dtype and shape) around stored centroids: analyze, then apply');
  const withOptions = (cmd: Command): Command =>
    cmd
      .option('--threshold <t>', 'largest relative L2 distance between any two members of a cluster, on a sample (default 0.5)', (v) => nonNegative(v, '--threshold'))
      .option('--k <n>', 'k-means with n clusters per dtype-and-shape group instead of --threshold', (v) => positiveInt(v, '--k'))
      .option('--centroid <kind>', 'encode members against: mean (a new centroid object), medoid (the member nearest the mean) or auto (both measured, smaller kept; default)', centroidKind)
      .option('--min-size <n>', 'smallest cluster worth a centroid (default 2)', (v) => positiveInt(v, '--min-size'))
      .option('--min-bytes <n>', 'leave tensors smaller than this alone (default 1024)', (v) => nonNegativeInt(v, '--min-bytes'))
      .option('--select <selectors...>', 'only these tensors: name, path:name (* wildcards) or a hash prefix')
      .option('--one-cluster', 'the selected tensors form exactly one cluster (refused unless they share dtype and shape)')
      .option('-v, --verbose', 'list every member and how it would be stored')
      .option('--json', 'machine-readable output');
  const options = (o: Record<string, unknown>): ClusterCommandOptions => ({
    threshold: o.threshold as number | undefined,
    k: o.k as number | undefined,
    centroid: o.centroid as ClusterCommandOptions['centroid'],
    minSize: o.minSize as number | undefined,
    minBytes: o.minBytes as number | undefined,
    select: o.select as string[] | undefined,
    single: o.oneCluster as boolean | undefined,
    verbose: o.verbose as boolean | undefined,
    json: o.json as boolean | undefined,
  });
  withOptions(group.command('analyze').description('report clusters, their sizes and projected savings (measured by encoding in memory); writes nothing')).action(
    async (o: Record<string, unknown>) => await print(await (await import('./cluster-commands.js')).clusterAnalyzeCommand(await env(), options(o))),
  );
  withOptions(group.command('apply').description('store a centroid per paying cluster and re-encode its members against it (atomic; reef gc then removes the old copies)')).action(
    async (o: Record<string, unknown>) => await print(await (await import('./cluster-commands.js')).clusterApplyCommand(await env(), options(o))),
  );
}

function centroidKind(v: string): 'mean' | 'medoid' | 'auto' {
  if (v !== 'mean' && v !== 'medoid' && v !== 'auto') throw new ReefError('INVALID_PARAM', `--centroid must be mean, medoid or auto, got '${v}'`);
  return v;
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ReefError('INVALID_PARAM', `${what} must be a positive integer, got '${v}'`);
  return n;
}

function nonNegativeInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ReefError('INVALID_PARAM', `${what} must be an integer ≥ 0, got '${v}'`);
  return n;
}

function nonNegative(v: string, what: string): number {
  const n = Number(v);
  if (!(n >= 0 && Number.isFinite(n))) throw new ReefError('INVALID_PARAM', `${what} must be a number ≥ 0, got '${v}'`);
  return n;
}
