import { ReefError } from '@reef/core/errors';
import { configName } from '@reef/core/params';
import type { Quantizer } from '@reef/core';
import type { Dataset } from '@reef/datasets';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ReefError('INVALID_PARAM', `--param expects name=value, got '${pair}'`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export interface DemoReport {
  readonly dataset: string;
  readonly method: string;
  readonly base: number;
  readonly queries: number;
  readonly dim: number;
  readonly mse: number;
  readonly codeBytesPerVector: number;
  readonly modelBytes: number;
  readonly compressionCodesOnly: number;
  readonly compressionWithModel: number;
  readonly recall10: number | null;
}

/**
 * Trains on the dataset's base vectors, encodes and decodes them, and reports the sweep's figures
 * (docs/metrics.md, measured by `@reef/metrics`): reconstruction MSE, compression with and without
 * the model, and recall@10 of asymmetric search (null for methods without it).
 */
export async function runDemo(quantizer: Quantizer, name: string, data: Dataset, seed: number): Promise<DemoReport> {
  const { measureQuantizer } = await import('@reef/metrics'); // loaded by `demo` only, not at every start
  const m = await measureQuantizer(quantizer, data, { seed });
  return {
    dataset: data.name,
    method: name,
    base: m.n_base,
    queries: m.n_queries,
    dim: m.dim,
    mse: m.mse,
    codeBytesPerVector: m.code_bytes,
    modelBytes: m.model_bytes,
    compressionCodesOnly: m.compression_codes,
    compressionWithModel: m.compression_total,
    recall10: m.recall10_adc,
  };
}

/** @reef/datasets' DEFAULT_DATASET (a test checks they agree), for the help text. */
export const DEMO_DATASET_HELP = 'fmnist-2k';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('train a quantizer on a dataset (default: the bundled Fashion-MNIST sample), encode, decode and report MSE and compression')
    .option('-m, --method <id>', 'quantizer id (default: sq, or the first installed)')
    .option('-p, --param <name=value>', 'quantizer parameter, repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    // DEMO_DATASET_HELP names @reef/datasets' DEFAULT_DATASET without importing it (it loads h5wasm).
    .option('-d, --dataset <spec>', `dataset as the sweep reads it: ${DEMO_DATASET_HELP}, an ann-benchmarks HDF5 file (train = base, test = queries), .fvecs, .npy, IDX or gaussian:n=2000,dim=32`)
    .option('--seed <n>', 'training seed', '1234')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { method?: string; param: string[]; dataset?: string; seed: string; json?: boolean }) => {
      const registry = await ctx.registry();
      const installed = registry.quantizers();
      const method = opts.method ?? (registry.hasQuantizer('sq') ? 'sq' : installed[0]?.id);
      if (!method) throw new ReefError('UNKNOWN_PLUGIN', 'no quantizer plugin is installed; install @reef/quantizer-sq or pass --plugin <path>');
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new ReefError('INVALID_PARAM', `--seed must be an integer, got '${opts.seed}'`);
      // The sweep's loader: same hold-out, ground truth and cache ($XDG_CACHE_HOME/reef, else ~/.cache/reef) as `pnpm sweep`.
      const { DEFAULT_DATASET, loadDataset } = await import('@reef/datasets'); // h5wasm with it: `demo` only
      const data = await loadDataset(opts.dataset ?? DEFAULT_DATASET, { seed, onWarning: ctx.err });
      const plugin = registry.quantizer(method);
      const quantizer = registry.createQuantizer(method, parseParams(opts.param), data.base.dim);
      const report = await runDemo(quantizer, configName(plugin.label, plugin.params, quantizer.params), data, seed);
      if (opts.json) {
        ctx.out(JSON.stringify(report, null, 2));
        return;
      }
      ctx.out(`${report.method} on ${report.dataset}: ${report.base} base vectors of dimension ${report.dim}, ${report.queries} held-out queries`);
      ctx.out(`  MSE (mean squared L2 error per vector): ${report.mse.toPrecision(6)}`);
      ctx.out(`  code: ${report.codeBytesPerVector} bytes/vector; model: ${report.modelBytes} bytes`);
      ctx.out(`  compression vs float32: ${report.compressionCodesOnly.toFixed(2)}x codes only, ${report.compressionWithModel.toFixed(2)}x with the model counted`);
      ctx.out(`  recall@10 (asymmetric search vs exact neighbours): ${report.recall10 === null ? 'n/a (no asymmetric search)' : report.recall10.toFixed(3)}`);
    });
}
