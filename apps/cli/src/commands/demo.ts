import { ReefError, configName, type Quantizer } from '@reef/core';
import { readAnnBenchmarks, type AnnDataset } from '@reef/hdf5';
import { l2sqr, recallAtK, topK } from '@reef/kernels';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CliContext } from '../context.js';
import { CLI_PACKAGE_DIR } from '../context.js';

const BUNDLED = 'fmnist-2k-784-euclidean.hdf5';

/** The small real dataset shipped in @reef/datasets, so the demo works offline on a fresh machine. */
function bundledDatasetPath(): string {
  try {
    const pkg = createRequire(join(CLI_PACKAGE_DIR, 'package.json')).resolve('@reef/datasets/package.json');
    const file = join(dirname(pkg), 'data', BUNDLED);
    if (existsSync(file)) return file;
  } catch {
    // fall through to the error below
  }
  throw new ReefError('BAD_FILE', `the bundled dataset ${BUNDLED} is not installed (package @reef/datasets); pass --dataset <file.hdf5>`);
}

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
 * Trains on the dataset's base vectors, encodes and decodes them, and reports reconstruction MSE,
 * compression ratios (float32 bytes over code bytes, with and without the model) and recall@10 of
 * asymmetric search for the held-out queries against the file's exact neighbours.
 */
export async function runDemo(quantizer: Quantizer, name: string, data: AnnDataset, seed: number): Promise<DemoReport> {
  const { train, test } = data;
  await quantizer.fit(train, { seed });
  const codes = quantizer.encode(train);
  const decoded = quantizer.decode(codes);
  let err = 0;
  for (let i = 0; i < train.count; i++) err += l2sqr(train.data, i * train.dim, decoded, i * train.dim, train.dim);
  const rawBytes = train.count * train.dim * 4;
  let recall10: number | null = null;
  if (quantizer.search?.metrics.includes('l2') && data.neighbors && data.neighbors.k >= 10) {
    const found = new Int32Array(test.count * 10);
    const scratch = new Float32Array(train.count);
    for (let q = 0; q < test.count; q++) {
      const dists = quantizer.search.prepare(test.data.subarray(q * test.dim, (q + 1) * test.dim), 'l2').distances(codes, scratch);
      topK(dists, 10, true, found.subarray(q * 10, (q + 1) * 10));
    }
    recall10 = recallAtK(found, 10, data.neighbors.ids, data.neighbors.k, test.count, 10);
  }
  return {
    dataset: data.name,
    method: name,
    base: train.count,
    queries: test.count,
    dim: train.dim,
    mse: err / train.count,
    codeBytesPerVector: quantizer.codeSize,
    modelBytes: quantizer.modelBytes(),
    compressionCodesOnly: rawBytes / codes.length,
    compressionWithModel: rawBytes / (codes.length + quantizer.modelBytes()),
    recall10,
  };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('train a quantizer on a dataset (default: the bundled Fashion-MNIST sample), encode, decode and report MSE and compression')
    .option('-m, --method <id>', 'quantizer id (default: sq, or the first installed)')
    .option('-p, --param <name=value>', 'quantizer parameter, repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-d, --dataset <file>', 'ann-benchmarks HDF5 file (train = base, test = queries)')
    .option('--seed <n>', 'training seed', '1234')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { method?: string; param: string[]; dataset?: string; seed: string; json?: boolean }) => {
      const registry = await ctx.registry();
      const installed = registry.quantizers();
      const method = opts.method ?? (registry.hasQuantizer('sq') ? 'sq' : installed[0]?.id);
      if (!method) throw new ReefError('UNKNOWN_PLUGIN', 'no quantizer plugin is installed; install @reef/quantizer-sq or pass --plugin <path>');
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new ReefError('INVALID_PARAM', `--seed must be an integer, got '${opts.seed}'`);
      const file = opts.dataset ?? bundledDatasetPath();
      const data = await readAnnBenchmarks(file, opts.dataset ? file : BUNDLED);
      const plugin = registry.quantizer(method);
      const quantizer = registry.createQuantizer(method, parseParams(opts.param), data.train.dim);
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
